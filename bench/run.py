"""Runs the benchmarks under bench/ (not part of the test suite): `make bench`."""

import importlib
import sys

BENCHMARKS = ["bench.pdf_render"]


def main() -> int:
    status = 0
    for name in BENCHMARKS:
        print(f"== {name}")
        status |= importlib.import_module(name).main(sys.argv[1:])
    return status


if __name__ == "__main__":
    sys.exit(main())
