"""Every archive package the tests build is checked by the Library of Congress reference validator.

``validate_with_bagit(zip_path)`` unzips a package and validates it with ``bagit`` (a dev
dependency, an RFC 8493 implementation independent of ours), returning the ``bagit.Bag``.
The ``records`` test package wraps ``records.packages.verify_package`` with it
(``tests/records/conftest.py``), so a package that our verifier accepts but the reference
validator refuses fails the test that built it.
"""
import tempfile
import zipfile
from pathlib import Path

import bagit


def validate_with_bagit(zip_path) -> bagit.Bag:
    zip_path = Path(zip_path)
    out = Path(tempfile.mkdtemp(prefix="bagit-check-"))
    with zipfile.ZipFile(zip_path) as z:
        roots = {n.split("/", 1)[0] for n in z.namelist()}
        assert len(roots) == 1, f"{zip_path.name}: a bag has exactly one top directory, not {sorted(roots)}"
        z.extractall(out)
    bag = bagit.Bag(str(out / roots.pop()))
    bag.validate()  # raises bagit.BagValidationError on any missing file or checksum mismatch
    assert bag.info.get("Highest-Classification"), f"{zip_path.name}: bag-info.txt names no highest level"
    return bag
