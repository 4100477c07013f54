#!/usr/bin/env python3
"""Hold an HDF5 file open with h5py, or try to open it, for the lock-matrix test.

  lock_holder.py hold MODE FILE   -> open FILE in MODE ('r' or 'r+'), print 'ready', wait for stdin EOF
  lock_holder.py try MODE FILE    -> try to open FILE in MODE; print 'ok' or 'locked: <error>'
"""
import sys
import h5py

def main():
    action, mode, path = sys.argv[1:4]
    if action == "hold":
        with h5py.File(path, mode):
            print("ready", flush=True)
            sys.stdin.read()
        return
    try:
        with h5py.File(path, mode):
            print("ok")
    except Exception as e:  # BlockingIOError / OSError from libhdf5's flock
        print(f"locked: {e}")

if __name__ == "__main__":
    main()
