"""What the Lync cmdlets the payloads call do to the lab state.

Exports produce real zip files holding one JSON document (`lab-export.json`) with the
data the cmdlet exports in Lync: Export-CsConfiguration the CMS documents and topology,
Export-CsLisConfiguration the E9-1-1 data, Export-CsUserData a pool's user data,
Export-CsRgsConfiguration a pool's Response Group configuration, Export-CsPersistentChatData
the Persistent Chat database. The data is read where Lync keeps it: in the databases of
the SQL instances the topology names.
"""

import io
import json
import zipfile

from . import model
from .errors import PSError

ENTRY = "lab-export.json"


def make_zip(kind, source, payload):
    """Zip bytes (fixed timestamps, so equal data gives equal bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(ENTRY, date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, json.dumps({"kind": kind, "source": source, "data": payload}, sort_keys=True))
    return buffer.getvalue()


def read_zip(data, kind):
    """The data of an export zip of the given kind; PSError when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            doc = json.loads(archive.read(ENTRY))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PSError("The file is not a valid %s export: %s" % (kind, exc), "InvalidData") from None
    if doc.get("kind") != kind:
        raise PSError("The file is a %s export, not a %s export." % (doc.get("kind"), kind), "InvalidData")
    return doc


def topology(state):
    return model.cms(state)["content"]["topology"]


def _service(state, identity):
    for svc in topology(state)["services"]:
        if svc["Identity"].lower() == identity.lower():
            return svc
    return None


def pool_database(state, pool, server_role, db_attr, db_name):
    """The database record db_name behind pool's server_role service (e.g. UserServer -> UserDatabase)."""
    svc = _service(state, "%s:%s" % (server_role, pool))
    if svc is None or not svc.get(db_attr):
        raise PSError("Cannot find a %s service for pool %s in the topology." % (server_role, pool), "ObjectNotFound")
    store = _service(state, svc[db_attr])
    instance = model.sql_instance(state, store["PoolFqdn"], store.get("SqlInstanceName"))
    if db_name not in instance["databases"]:
        raise PSError("Cannot open database \"%s\" on %s\\%s." % (db_name, store["PoolFqdn"], store.get("SqlInstanceName")))
    return instance["databases"][db_name]


def export_configuration(state, local_store=False):
    """Export-CsConfiguration: CMS documents and topology (-LocalStore: from the local replica)."""
    if local_store:
        scp = state["ad"]["scp"]
        inst = model.host(state, scp["sql_fqdn"]).get("sql", {}).get(scp["instance"].upper(), {})
        xds = inst.get("databases", {}).get("xds")
        if xds is None:
            raise PSError("The local configuration store has no replica of the Central Management store.")
    else:
        xds = model.cms(state)
    content = xds["content"]
    return make_zip("configuration", "cms", {"topology": content["topology"], "documents": content["documents"],
                                             "version": content["version"]})


def export_lis(state):
    """Export-CsLisConfiguration."""
    scp = state["ad"]["scp"]
    lis = model.sql_instance(state, scp["sql_fqdn"], scp["instance"])["databases"].get("lis")
    if lis is None:
        raise PSError("Cannot open database \"lis\".")
    return make_zip("lis", "cms", lis["content"])


def topology_xml(state):
    """Get-CsTopology -AsXml (a readable rendering of the topology document)."""
    topo = topology(state)
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Topology>"]
    for site in topo["sites"]:
        lines.append('  <Site Identity="%s" SiteId="%s" Name="%s" />' % (site["Identity"], site["SiteId"], site["DisplayName"]))
    for pool in topo["pools"]:
        lines.append('  <Pool Fqdn="%s" Site="%s">' % (pool["Fqdn"], pool["Site"]))
        lines.extend('    <Machine Fqdn="%s" />' % c for c in pool["Computers"])
        lines.extend('    <Service Identity="%s" />' % s for s in pool["Services"])
        lines.append("  </Pool>")
    lines.append("</Topology>")
    return "\n".join(lines) + "\n"


def export_user_data(state, pool):
    """Export-CsUserData -PoolFqdn."""
    if not any(p["Fqdn"].lower() == pool.lower() for p in topology(state)["pools"]):
        raise PSError("Pool \"%s\" was not found in the topology." % pool, "ObjectNotFound")
    db = pool_database(state, pool.lower(), "UserServer", "UserDatabase", "rtcxds")
    return make_zip("userdata", pool.lower(), db["content"])


def export_rgs(state, source):
    """Export-CsRgsConfiguration -Source service:ApplicationServer:<pool> (ApplicationServer:<pool> also accepted)."""
    text = source[len("service:"):] if source.lower().startswith("service:") else source
    role, dummy, pool = text.partition(":")
    if role.lower() != "applicationserver" or not pool:
        raise PSError("Cannot convert \"%s\" to an RgsIdentity." % source, "InvalidArgument")
    db = pool_database(state, pool.lower(), "ApplicationServer", "ApplicationDatabase", "rgsconfig")
    return make_zip("rgs", "service:ApplicationServer:%s" % pool.lower(), db["content"])


def export_pchat(state, db_instance):
    """Export-CsPersistentChatData -DBInstance <server\\instance>."""
    server, dummy, instance = db_instance.partition("\\")
    mgc = model.sql_instance(state, server, instance)["databases"].get("mgc")
    if mgc is None:
        raise PSError("Cannot open database \"mgc\" on %s." % db_instance)
    return make_zip("persistentchat", db_instance.lower(), mgc["content"])
