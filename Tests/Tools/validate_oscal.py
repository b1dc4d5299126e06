"""Validates an OSCAL assessment-results JSON file with the PyPI `oscal` package (metaschema
validator bundled, works offline). Exit 0 when valid, 1 with the errors otherwise.

A validator that cannot find its metaschema passes everything, so this script first proves it
can fail: the same document without `reviewed-controls` must be rejected.
"""
import copy
import json
import sys

from oscal import OSCAL


def validate(document):
    content = OSCAL.loads(json.dumps(document))
    index = content._support.get_metaschema_index(content.oscal_version, content.model)
    if index is None:
        return False, [f"no metaschema index for OSCAL {content.oscal_version} {content.model}"]
    ok = content.validate()
    return ok, list(getattr(content, "validation_errors", [])) + [f"{k}={v}" for k, v in content.validation_status.items() if v is False]


def main(path):
    with open(path) as handle:
        document = json.load(handle)
    if "assessment-results" not in document:
        print("not an assessment-results document")
        return 1
    broken = copy.deepcopy(document)
    for result in broken["assessment-results"]["results"]:
        result.pop("reviewed-controls", None)
    broken_ok, _ = validate(broken)
    if broken_ok:
        print("validator self-check failed: a document without reviewed-controls passed")
        return 1
    ok, errors = validate(document)
    if not ok:
        print("INVALID")
        for error in errors[:50]:
            print(error)
        return 1
    print("valid OSCAL", document["assessment-results"]["metadata"]["oscal-version"], "assessment-results")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
