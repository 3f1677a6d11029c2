"""The lab's SQL Server backup files: a database's record, striped over N files.

Each stripe starts with a header line naming the database, its stripe number and the
checksum of the whole backup, so RESTORE VERIFYONLY (and a later restore) can tell a
complete, untouched backup from a damaged one.
"""

import hashlib
import json
import zlib

from .errors import PSError

MAGIC = b"LABBAK1\n"


def _service_identity(hostname, account):
    """Who a SQL Server service account is on the network (virtual accounts act as the computer)."""
    if account.lower().startswith(("nt service\\", "nt authority\\")):
        return "CONTOSO\\%s$" % hostname.upper()
    return account


def network_account(record, instance):
    return _service_identity(record["hostname"], instance["service_account"])


def encode(database, db_record, server, instance_name, stripes, compress, copy_only, taken):
    """[stripe bytes] for a backup of db_record."""
    body = json.dumps({"database": database, "server": server, "instance": instance_name, "taken": taken,
                       "copy_only": copy_only, "recovery_model": db_record.get("recovery_model"),
                       "data_file": db_record.get("data_file"), "log_file": db_record.get("log_file"),
                       "content": db_record.get("content")}, sort_keys=True).encode("utf-8")
    if compress:
        body = zlib.compress(body, 6)
    checksum = hashlib.sha256(body).hexdigest()
    size = -(-len(body) // stripes)
    out = []
    for index in range(stripes):
        header = json.dumps({"database": database, "stripe": index + 1, "of": stripes, "compressed": compress,
                             "checksum": checksum}, sort_keys=True).encode("utf-8")
        out.append(MAGIC + header + b"\n" + body[index * size:(index + 1) * size])
    return out


def decode(stripes):
    """The backed-up database record from its stripe files (in any order); PSError when damaged."""
    parts = {}
    header = None
    for data in stripes:
        if not data.startswith(MAGIC) or b"\n" not in data[len(MAGIC):]:
            raise PSError("The media family on device is incorrectly formed. SQL Server cannot process this media "
                          "family. RESTORE VERIFYONLY is terminating abnormally.", "InvalidData")
        line, dummy, chunk = data[len(MAGIC):].partition(b"\n")
        header = json.loads(line)
        parts[header["stripe"]] = chunk
    if header is None or sorted(parts) != list(range(1, header["of"] + 1)):
        raise PSError("The media set has %d media families but only %d are provided. All members must be provided."
                      % (header["of"] if header else 0, len(parts)), "InvalidData")
    body = b"".join(parts[i] for i in sorted(parts))
    if hashlib.sha256(body).hexdigest() != header["checksum"]:
        raise PSError("RESTORE VERIFYONLY: the backup set on file 1 is not valid (checksum mismatch).", "InvalidData")
    if header["compressed"]:
        body = zlib.decompress(body)
    return json.loads(body)
