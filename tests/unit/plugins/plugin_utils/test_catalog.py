"""The database catalog is section 1.6 of the domain brief as data."""

from ansible_collections.lync.server.plugins.plugin_utils import catalog


def test_every_store_role_has_databases():
    for role in catalog.STORE_ROLES:
        assert catalog.databases_for_role(role), role


def test_transient_databases_are_never_backed_up():
    for name in ("rtcab", "rgsdyn", "cpsdyn", "mgccomp"):
        assert catalog.lookup(name).backup == "never"
    assert catalog.backup_selection(["UserDatabase", "ApplicationDatabase"]) == ["rtcxds", "rtcshared", "rgsconfig"]


def test_sql_is_the_restore_path_for_archiving_monitoring_and_persistent_chat():
    assert catalog.backup_selection(["ArchivingDatabase", "MonitoringDatabase", "PersistentChatDatabase"]) \
        == ["LcsLog", "LcsCDR", "QoEMetrics", "mgc"]
    assert {catalog.lookup(n).backup for n in ("LcsLog", "LcsCDR", "QoEMetrics", "mgc")} == {"required"}


def test_lookup_is_case_insensitive_and_uses_the_real_persistent_chat_name():
    assert catalog.lookup("LCSCDR").name == "LcsCDR"
    assert catalog.lookup("mgc").install_type == "PersistentChat"
    assert catalog.lookup("mgd") is None and catalog.lookup("Mgs") is None  # typos in Microsoft's pages


def test_cms_databases_are_restored_from_exports():
    assert catalog.lookup("xds").restore == "Import-CsConfiguration"
    assert catalog.lookup("lis").restore == "Import-CsLisConfiguration"
