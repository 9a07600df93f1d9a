#!/usr/bin/env python3
"""png_pixel.py - look inside a PNG without PIL, for the nn-plot tests.

  png_pixel.py size FILE                  print "WIDTH HEIGHT"
  png_pixel.py pixel FILE X Y             print "R G B" of pixel (X, Y)
  png_pixel.py class FILE X Y R HEX...    print the index of the colour
        (#RRGGBB) whose tint most pixels within R of (X, Y) show

A region of class k in a boundary figure is white mixed with the class's
colour c: pixel = 255 - a (255 - c).  So 255 - pixel points the same way as
255 - c whatever the mix, and the class is the colour whose direction is
closest.  Pixels with no clear colour (white, greys of the boundary line
and of the points' rims) do not vote.

The decoder checks the signature and every chunk's CRC, and handles 8-bit
grey, grey+alpha, RGB and RGBA, non-interlaced: what cairo writes.
Exit status 1 with a message on anything else.
"""
import math
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def fail(msg):
    sys.stderr.write("png_pixel: %s\n" % msg)
    sys.exit(1)


def decode(path, pixels=True):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != SIGNATURE:
        fail("%s: not a PNG file" % path)
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        if pos + 8 > len(data):
            fail("%s: truncated chunk header" % path)
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if len(body) != n or pos + 12 + n > len(data):
            fail("%s: truncated %r chunk" % (path, kind))
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            fail("%s: bad CRC in %r chunk" % (path, kind))
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    if ihdr is None:
        fail("%s: no IHDR chunk" % path)
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in CHANNELS or interlace != 0:
        fail("%s: unsupported PNG (depth %d, colour type %d, interlace %d)"
             % (path, depth, ctype, interlace))
    bpp = CHANNELS[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        fail("%s: %d bytes of image data, expected %d"
             % (path, len(raw), h * (stride + 1)))
    rows, prev = [], bytearray(stride)
    if not pixels:
        return w, h, bpp, rows
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 0:
                p = 0
            elif ft == 1:
                p = a
            elif ft == 2:
                p = b
            elif ft == 3:
                p = (a + b) // 2
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else b if pb <= pc else c
            else:
                fail("%s: bad filter type %d in row %d" % (path, ft, y))
            line[i] = (line[i] + p) & 0xFF
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def rgb(img, x, y):
    w, h, bpp, rows = img
    if not (0 <= x < w and 0 <= y < h):
        fail("pixel (%d, %d) outside %dx%d" % (x, y, w, h))
    px = rows[y][x * bpp:(x + 1) * bpp]
    if bpp <= 2:
        return (px[0], px[0], px[0])
    return (px[0], px[1], px[2])


def nearest(img, x, y, r, colours):
    dirs = []
    for c in colours:
        c = c.lstrip("#")
        e = [255 - int(c[i:i + 2], 16) for i in (0, 2, 4)]
        n = math.sqrt(sum(v * v for v in e)) or 1.0
        dirs.append([v / n for v in e])
    votes = [0] * len(colours)
    w, h = img[0], img[1]
    for yy in range(max(0, y - r), min(h, y + r + 1)):
        for xx in range(max(0, x - r), min(w, x + r + 1)):
            p = rgb(img, xx, yy)
            if max(p) - min(p) < 16:          # white or grey: no vote
                continue
            d = [255 - v for v in p]
            n = math.sqrt(sum(v * v for v in d))
            cos = [sum(a * b for a, b in zip(d, e)) / n for e in dirs]
            votes[cos.index(max(cos))] += 1
    if max(votes) == 0:
        fail("no coloured pixel within %d of (%d, %d)" % (r, x, y))
    return votes.index(max(votes))


def main(argv):
    if len(argv) < 3:
        fail("usage: png_pixel.py size|pixel|class FILE ...")
    cmd = argv[1]
    img = decode(argv[2], cmd != "size")
    if cmd == "size" and len(argv) == 3:
        print(img[0], img[1])
    elif cmd == "pixel" and len(argv) == 5:
        print(*rgb(img, int(argv[3]), int(argv[4])))
    elif cmd == "class" and len(argv) >= 7:
        print(nearest(img, int(argv[3]), int(argv[4]), int(argv[5]),
                      argv[6:]))
    else:
        fail("bad arguments: %s" % " ".join(argv[1:]))


if __name__ == "__main__":
    main(sys.argv)
