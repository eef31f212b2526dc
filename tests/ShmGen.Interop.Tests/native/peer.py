"""The Python side of the interop tests, with only the standard library (multiprocessing.shared_memory).

    peer.py read NAME OFFSETS_JSON      attach, print the fields, Count += 1 (no lock: the test sequences the processes)
    peer.py create NAME SIZE OFFSETS_JSON   create the segment and write known values, leave it for C# to open

OFFSETS_JSON maps field names to byte offsets, taken from the generated LayoutDescription: the C# build is the
single source of truth for where each field lives.
"""
import json
import struct
import sys
from multiprocessing import resource_tracker, shared_memory


def attach(name, create=False, size=0):
    shm = shared_memory.SharedMemory(name=name, create=create, size=size)
    # Python < 3.13 registers even attached segments with its resource tracker, which unlinks them at exit.
    resource_tracker.unregister(shm._name, "shared_memory")
    return shm


def main():
    verb, name = sys.argv[1], sys.argv[2]
    if verb == "read":
        at = json.loads(sys.argv[3])
        shm = attach(name)
        buf = shm.buf
        value, = struct.unpack_from("<Q", buf, at["Value"])
        count, = struct.unpack_from("<i", buf, at["Count"])
        temperature, = struct.unpack_from("<d", buf, at["Temperature"])
        label = bytes(buf[at["Label"]:at["Label"] + 16]).split(b"\0", 1)[0].decode()
        print(f"Value={value:x} Count={count} Temperature={temperature:.2f} Label={label}")
        struct.pack_into("<i", buf, at["Count"], count + 1)
        del buf
        shm.close()
    elif verb == "create":
        size, at = int(sys.argv[3]), json.loads(sys.argv[4])
        shm = attach(name, create=True, size=size)
        struct.pack_into("<Q", shm.buf, at["Value"], 0xDBEEBEE)
        struct.pack_into("<i", shm.buf, at["Count"], 11)
        struct.pack_into("<d", shm.buf, at["Temperature"], 98.25)
        shm.buf[at["Label"]:at["Label"] + 10] = b"from py\0\0\0"
        shm.close()
    else:
        sys.exit(f"unknown verb {verb}")


if __name__ == "__main__":
    main()
