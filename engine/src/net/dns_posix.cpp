// DNS on Linux: libresolv for MX, getnameinfo for PTR, resolv.conf for the search list.
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <cstring>

#include "net/dns_os.hpp"
#include "smtpwb/files.hpp"
#include "smtpwb/net/dns.hpp"
#include "smtpwb/net/search_domains.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::net {

namespace os {

std::vector<MxRecord> query_mx(const std::string& domain) {
  struct __res_state state;
  std::memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) throw ResolveError("the resolver could not be initialised");
  state.retrans = 2;  // seconds per try; the caller's deadline is what counts
  state.retry = 2;
  std::vector<unsigned char> answer(NS_MAXMSG);
  int n = res_nquery(&state, domain.c_str(), ns_c_in, ns_t_mx, answer.data(), static_cast<int>(answer.size()));
  int error = state.res_h_errno;
  res_nclose(&state);
  if (n >= 0) return parse_mx_answer(answer.data(), static_cast<std::size_t>(n));
  if (error == NO_DATA) return {};
  ResolveError e(error == HOST_NOT_FOUND ? "the domain does not exist"
                 : error == TRY_AGAIN   ? "no answer from the DNS server"
                                        : "the lookup failed");
  e.not_found = error == HOST_NOT_FOUND;
  throw e;
}

std::string query_ptr(const Address& address) {
  char host[NI_MAXHOST] = {};
  int rc = ::getnameinfo(reinterpret_cast<const sockaddr*>(address.storage.data()), address.length, host, sizeof host,
                         nullptr, 0, NI_NAMEREQD);
  if (rc == 0) return host;
  if (rc == EAI_NONAME) return {};
  throw ResolveError(rc == EAI_AGAIN ? "no answer from the DNS server" : gai_strerror(rc));
}

}  // namespace os

std::vector<std::string> system_search_domains() {
  if (auto local = platform::env("LOCALDOMAIN")) return parse_domain_list(*local);
  auto text = read_file("/etc/resolv.conf");
  return text ? parse_search_domains(*text) : std::vector<std::string>{};
}

}  // namespace smtpwb::net
