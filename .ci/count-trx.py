"""Sums the TRX files of a test run and prints 'N passed, N failed[, N skipped]'.

Exits 1 when a test failed or when no test ran at all (a run that tests nothing must not look green)."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def main(folder: str) -> int:
    passed = failed = skipped = 0
    files = sorted(glob.glob(os.path.join(folder, "**", "*.trx"), recursive=True))
    for path in files:
        counters = ET.parse(path).getroot().find(f"{NS}ResultSummary/{NS}Counters")
        if counters is None:
            continue
        get = lambda name: int(counters.get(name, "0"))
        passed += get("passed")
        failed += get("failed") + get("error") + get("timeout") + get("aborted")
        skipped += get("notExecuted")
    print(f"test result files: {len(files)}")
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    if failed:
        return 1
    if passed == 0:
        print("error: no test ran", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "artifacts/test-results"))
