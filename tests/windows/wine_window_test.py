#!/usr/bin/env python3
"""The window under Wine + Xvfb: the first start's demo connection runs its Test, the screenshot shows a
drawn window, and the connection is saved under the Wine user's %APPDATA%.

usage: wine_window_test.py XVFB_RUN WINE_RUN EXE
WINEPREFIX must be set (the window tests' own prefix). Exit 77 (skipped) when the harness skips.
"""
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77


def fail(why, run=None):
    print("FAILED:", why)
    if run is not None:
        print("--- exit status", run.returncode)
        print("--- output\n" + run.stdout.decode("utf-8", "replace"))
    sys.exit(1)


def png_pixels(path):
    """(width, height, set of RGB colours) of an 8-bit RGB or RGBA, non-interlaced PNG (what stb writes)."""
    data = pathlib.Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError("unsupported PNG layout")
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous, colours = bytearray(stride), set()
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up, up_left = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        for x in range(0, stride, bpp):
            colours.add(bytes(row[x:x + 3]))
        previous = row
    return width, height, colours


def appdata_dir(prefix):
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "root"
    return pathlib.Path(prefix) / "drive_c" / "users" / user / "AppData" / "Roaming" / "smtp-workbench"


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    xvfb_run, wine_run, exe = sys.argv[1:]
    prefix = os.environ["WINEPREFIX"]
    config = appdata_dir(prefix)
    shutil.rmtree(config, ignore_errors=True)  # a first start: no connections yet
    with tempfile.TemporaryDirectory() as tmp:
        shot = pathlib.Path(tmp) / "demo.png"
        run = subprocess.run([xvfb_run, wine_run, "--window", exe, "--run-test", "Demo server",
                              "--screenshot", "Z:" + str(shot).replace("/", "\\")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=170)
        if run.returncode == SKIP:
            print(run.stdout.decode("utf-8", "replace"))
            sys.exit(SKIP)
        if run.returncode != 0:
            fail("the window's Test exited with %d, not 0" % run.returncode, run)
        if not shot.exists():
            fail("no screenshot was written", run)
        width, height, colours = png_pixels(shot)
        print("screenshot %dx%d with %d distinct colours" % (width, height, len(colours)))
        if len(colours) <= 50:
            fail("the screenshot is blank or nearly so (%d colours)" % len(colours), run)
    saved = config / "connections" / "demo-server.json"
    if not saved.exists():
        fail("the demo connection was not saved under %APPDATA%: " + str(saved) + " is missing", run)
    print("ok: window Test, screenshot and", saved)
