# shellcheck shell=bash
# Debian package access shared by the set-up scripts (sourced, not run):
#  - debian_mirror: the Debian mirror this machine's apt already uses (never hard-coded in the repo);
#  - private_apt: an apt state of our own for one suite, so the machine's apt state is never touched;
#  - debian_source: unpack a source package (`apt-get source`, Debian's patches applied) from a suite.
# The caller defines die(); a fallback is defined here for callers that do not.
declare -F die >/dev/null || die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# The Debian mirror named for bookworm in the machine's apt sources (deb822 or one-line format).
debian_mirror() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  local f
  for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    if [[ $f == *.sources ]]; then
      awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { u=substr($0,RSTART,RLENGTH); sub(/URIs:[ \t]*/,"",u); print u; exit } }' "$f"
    else
      awk '$1=="deb" { for (i=2;i<=NF;i++) if ($i ~ /^(https?|ftp|file):/) { if ($(i+1)=="bookworm") { print $i; exit } } }' "$f"
    fi
  done | head -n 1
}

# private_apt WORK TYPE SUITE: apt options (in the array apt_opts) for a private state in WORK whose
# sources list names one suite of $mirror (set it from debian_mirror), TYPE deb or deb-src; reads the lists.
private_apt() {
  local work=$1 type=$2 suite=$3
  [[ -n ${mirror:-} ]] || die "private_apt: \$mirror is not set (debian_mirror found none)"
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/cache"
  echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$work/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::Status=/var/lib/dpkg/status"
            -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
  apt-get "${apt_opts[@]}" update -qq || die "could not read the $suite $type lists from $mirror"
}

# debian_source WORK SUITE PACKAGE: unpacks PACKAGE's source from SUITE into WORK (emptied first) and
# prints the source tree's path. Needs dpkg-dev (dpkg-source) for the unpacking.
debian_source() {
  local work=$1 suite=$2 package=$3
  rm -rf "$work"
  private_apt "$work" deb-src "$suite" >&2
  (cd "$work" && apt-get "${apt_opts[@]}" source -qq "$package" >"$work/source.log" 2>&1) ||
    die "apt-get source $package ($suite) failed: $(tail -n 3 "$work/source.log")"
  local src
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name lists ! -name archives ! -name cache | head -n 1)
  [[ -n $src ]] || die "apt-get source $package left no source tree in $work"
  printf '%s\n' "$src"
}
