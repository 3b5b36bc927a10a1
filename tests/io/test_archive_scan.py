"""The container scan of .keras archives: traversal, links, duplicates, zip bombs, refused before Keras."""

from __future__ import annotations

import io
import json
import stat
import struct
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from modelgraft.core.errors import ModelFileError
from modelgraft.io import detect_format, read_model_config, read_signature
from modelgraft.io.archive_scan import (
    MAX_FOLDER_ENTRIES,
    MAX_MEMBERS,
    check_archive,
    check_folder,
)

EXAMPLES = sorted(Path(__file__).parents[2].glob("resources/examples/*/models/*.keras"))
CONFIG = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": []}}).encode()
KERAS_MEMBERS = [("metadata.json", b'{"keras_version": "3.15.1"}'), ("config.json", CONFIG),
                 ("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(200))]

# Offsets of fields in a central directory file header (PKWARE APPNOTE 4.3.12).
FLAGS, METHOD, STORED_SIZE, DECLARED_SIZE, ATTRIBUTES, OFFSET = 8, 10, 20, 24, 38, 42
LOCAL_DECLARED_SIZE = 22


def archive(members=KERAS_MEMBERS, compression=zipfile.ZIP_STORED) -> bytearray:
    """A zip archive (Keras writes stored members) of ``(name or ZipInfo, bytes)`` pairs."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        with zipfile.ZipFile(buf, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return bytearray(buf.getvalue())


def central(data: bytearray) -> dict[str, int]:
    """Where each member's central directory header starts, by name."""
    size, offset = struct.unpack_from("<2L", data, data.rfind(b"PK\x05\x06") + 12)
    out, pos = {}, offset
    while pos < offset + size:
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, pos + 28)
        out[data[pos + 46:pos + 46 + name_len].decode()] = pos
        pos += 46 + name_len + extra_len + comment_len
    return out


def patch(data: bytearray, name: str, field: int, value: int, fmt: str = "<L") -> bytearray:
    struct.pack_into(fmt, data, central(data)[name] + field, value)
    return data


def write(tmp_path: Path, data: bytes, name: str = "bad.keras") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ModelFileError) as info:
        check_archive(path)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.parent.parent.name + "/" + p.name for p in EXAMPLES])
def test_example_archives_pass(path):
    check_archive(path)
    assert detect_format(path) == "keras"


def test_real_archives_pass(models):
    for name in ("seq.keras", "multi.keras", "nested.keras", "wrapped.keras"):
        check_archive(models[name])


@pytest.mark.parametrize(("member", "what"), [
    ("../evil.py", "'..' in its path"),
    ("assets/../../home/user/.bashrc", "'..' in its path"),
    ("/etc/cron.d/evil", "an absolute path"),
    ("C:/Windows/evil.dll", "a drive letter in its name"),
    ("assets\\..\\evil.py", "a backslash in its name"),
])
def test_member_names_leaving_the_archive_are_refused(tmp_path, member, what):
    path = write(tmp_path, archive([*KERAS_MEMBERS, (member, b"x")]))
    assert refusal(path) == (f"model file 'bad.keras' has a member '{member}' with {what}, which "
                             "would reach outside the archive; the file is refused")


def test_symlink_members_are_refused(tmp_path):
    link = zipfile.ZipInfo("assets/vocabulary.txt")
    link.create_system = 3  # Unix
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = write(tmp_path, archive([*KERAS_MEMBERS, (link, b"/etc/passwd")]))
    assert refusal(path) == ("model file 'bad.keras' has a member 'assets/vocabulary.txt' that is a "
                             "symbolic link; Keras archives hold none and the file is refused")


def test_duplicate_members_are_refused(tmp_path):
    path = write(tmp_path, archive([*KERAS_MEMBERS, ("config.json", b'{"class_name": "Other"}')]))
    assert refusal(path) == "model file 'bad.keras' has the member 'config.json' twice; the file is refused"


def test_more_members_than_keras_writes_are_refused(tmp_path):
    extra = [(f"assets/l{i}/vocabulary.txt", b"a") for i in range(MAX_MEMBERS)]
    path = write(tmp_path, archive([*KERAS_MEMBERS, *extra]))
    assert refusal(path) == (f"model file 'bad.keras' has {MAX_MEMBERS + 3} members, more than the "
                             f"{MAX_MEMBERS} a Keras archive can have; the file is refused")


def test_many_entries_are_refused_from_the_end_record_without_parsing_them(tmp_path):
    path = write(tmp_path, archive([(f"m{i}", b"") for i in range(20_000)]))
    tracemalloc.start()
    try:
        message = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("model file 'bad.keras' has 20000 members, more than the 256")
    assert peak < 512 * 1024, "zipfile would build 20000 ZipInfo objects (several MB)"


def test_a_million_entries_claimed_by_a_zip64_record_are_refused(tmp_path):
    data = archive()
    eocd = data.rfind(b"PK\x05\x06")
    entries, size, offset = len(central(data)), *struct.unpack_from("<2L", data, eocd + 12)
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 10**6, 10**6, 46 * 10**6, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, eocd, 1)
    forged = data[:eocd] + zip64 + locator + data[eocd:]
    assert entries == 3 and size < 1000
    path = write(tmp_path, bytes(forged))
    assert refusal(path) == ("model file 'bad.keras' has 1000000 members, more than the 256 a Keras "
                             "archive can have; the file is refused")


def test_an_oversized_zip_directory_is_refused(tmp_path):
    data = archive()
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<L", data, eocd + 12, 10**8)
    assert refusal(write(tmp_path, data)) == (
        "model file 'bad.keras' has a zip directory of 100000000 bytes, more than the 262144 a "
        "Keras archive needs; the file is refused")


def test_a_zip_bomb_member_is_refused_without_inflating_it(tmp_path):
    data = archive([*KERAS_MEMBERS, ("model.weights.npz", bytes(1000))], zipfile.ZIP_DEFLATED)
    stored = struct.unpack_from("<L", data, central(data)["model.weights.npz"] + STORED_SIZE)[0]
    patch(data, "model.weights.npz", DECLARED_SIZE, 4_000_000_000)
    path = write(tmp_path, data)
    tracemalloc.start()
    try:
        message = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (f"model file 'bad.keras' has a member 'model.weights.npz' that would expand from "
                       f"{stored} to 4000000000 bytes, a zip bomb; the file is refused")
    assert peak < 512 * 1024


def test_members_that_together_declare_too_much_are_refused(tmp_path):
    members = [(f"assets/l{i}/vocabulary.txt", bytes(100)) for i in range(8)]
    data = archive([*KERAS_MEMBERS, *members], zipfile.ZIP_DEFLATED)
    for name, _ in members:  # each under the small-member bound, together far over the ratio
        patch(data, name, DECLARED_SIZE, 60 * 1024 * 1024)
    path = write(tmp_path, data)
    declared = 8 * 60 * 1024 * 1024 + sum(len(d) for _, d in KERAS_MEMBERS)
    assert refusal(path) == (f"model file 'bad.keras' declares {declared} bytes of members in "
                             f"{len(data)} bytes, a zip bomb; the file is refused")


def test_a_stored_member_declaring_more_than_it_holds_is_refused(tmp_path):
    data = patch(archive(), "model.weights.h5", DECLARED_SIZE, 10**9)
    assert refusal(write(tmp_path, data)) == (
        "model file 'bad.keras' has a stored member 'model.weights.h5' that declares 1000000000 "
        "bytes but holds 208; the file is refused")


def test_overlapping_members_are_refused(tmp_path):
    data = archive()
    first = struct.unpack_from("<L", data, central(data)["metadata.json"] + OFFSET)[0]
    patch(data, "model.weights.h5", OFFSET, first)
    assert refusal(write(tmp_path, data)) == (
        "model file 'bad.keras' has members 'metadata.json' and 'model.weights.h5' that share "
        "bytes, a zip bomb; the file is refused")


def test_a_member_ending_past_the_file_is_damage(tmp_path):
    data = patch(archive(), "model.weights.h5", STORED_SIZE, 10**6)
    assert refusal(write(tmp_path, data)) == (
        "model file 'bad.keras' is a damaged or truncated zip archive (member 'model.weights.h5' "
        "ends past the end of the file); save or download it again")


def test_encrypted_and_oddly_compressed_members_are_refused(tmp_path):
    data = patch(archive(), "config.json", FLAGS, 1, "<H")
    assert refusal(write(tmp_path, data)) == (
        "model file 'bad.keras' has an encrypted member 'config.json'; Keras archives are never encrypted")
    path = write(tmp_path, archive(compression=zipfile.ZIP_BZIP2), "bz.keras")
    assert refusal(path) == (
        "model file 'bz.keras' has a member 'metadata.json' compressed with method 12; Keras "
        "archives are stored or deflated, and the file is refused")


def test_recompressed_archives_pass(tmp_path, models):
    """A .keras file re-zipped with DEFLATE (e.g. by a zip tool) is still a model."""
    data = archive([(i.filename, zipfile.ZipFile(models["seq.keras"]).read(i))
                    for i in zipfile.ZipFile(models["seq.keras"]).infolist()], zipfile.ZIP_DEFLATED)
    path = write(tmp_path, data, "deflated.keras")
    check_archive(path)
    assert read_signature(path)["inputs"][0]["shape"] == [20, 8]


@pytest.mark.parametrize("reader", [detect_format, read_model_config, read_signature])
def test_every_reader_runs_the_archive_scan(tmp_path, reader):
    path = write(tmp_path, archive([*KERAS_MEMBERS, ("../evil.py", b"x")]))
    with pytest.raises(ModelFileError, match="has a member '../evil.py' with '..' in its path"):
        reader(path)


def test_read_model_config_with_a_given_format_still_scans(tmp_path):
    path = write(tmp_path, archive([*KERAS_MEMBERS, ("/abs", b"x")]))
    with pytest.raises(ModelFileError, match="has a member '/abs' with an absolute path"):
        read_model_config(path, "keras")


def test_zipfile_never_returns_more_than_the_declared_size(tmp_path):
    """Why declared sizes are enough: a member that holds more than it declares is cut off."""
    data = archive([("w.bin", bytes(1_000_000))], zipfile.ZIP_DEFLATED)
    patch(data, "w.bin", DECLARED_SIZE, 1000)
    struct.pack_into("<L", data, LOCAL_DECLARED_SIZE, 1000)
    got = 0
    with (zipfile.ZipFile(io.BytesIO(bytes(data))) as zf, zf.open("w.bin") as f,
          pytest.raises(zipfile.BadZipFile, match="Bad CRC-32")):
        while chunk := f.read(256):
            got += len(chunk)
    assert got <= 1000


def folder_model(tmp_path: Path) -> Path:
    folder = tmp_path / "unzipped"
    folder.mkdir()
    (folder / "config.json").write_bytes(CONFIG)
    (folder / "model.weights.h5").write_bytes(b"w")
    return folder


def test_unzipped_folder_with_a_link_leaving_it_is_refused(tmp_path):
    folder = folder_model(tmp_path)
    (tmp_path / "secret.txt").write_text("secret")
    (folder / "assets").mkdir()
    (folder / "assets" / "vocabulary.txt").symlink_to(tmp_path / "secret.txt")
    message = (f"model folder 'unzipped' holds 'assets/vocabulary.txt', a symbolic link to "
               f"'{tmp_path / 'secret.txt'}' outside the folder; the folder is refused")
    with pytest.raises(ModelFileError) as info:
        check_folder(folder)
    assert str(info.value) == message
    with pytest.raises(ModelFileError, match="a symbolic link to"):
        read_signature(folder)


def test_unzipped_folder_with_links_inside_it_passes(tmp_path):
    folder = folder_model(tmp_path)
    (folder / "weights_link.h5").symlink_to(folder / "model.weights.h5")
    (folder / "assets").symlink_to(".")
    check_folder(folder)
    assert read_model_config(folder)["class_name"] == "Sequential"


def test_unzipped_folder_with_too_many_entries_is_refused(tmp_path):
    folder = folder_model(tmp_path)
    for i in range(MAX_FOLDER_ENTRIES):
        (folder / f"f{i}").touch()
    with pytest.raises(ModelFileError) as info:
        check_folder(folder)
    assert str(info.value) == (f"model folder 'unzipped' holds more than {MAX_FOLDER_ENTRIES} files and "
                               "folders, far more than a Keras model; the folder is refused")
