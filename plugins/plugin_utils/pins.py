# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity pins: what a replacement server must share with the one it replaces (docs/pins.md).

Microsoft restores Lync only onto a clean or new server with the same FQDN, and "all DNS
configuration, DHCP configuration, domain names, computer FQDNs, file store paths" and
SQL instance names must be the same at restore time as at backup time (domain brief 4.0).
The inventory states those values once, as `lync_pins`; this module validates them and
compares three sources field by field: the inventory, the target as it is now, and the
identity record the chosen backup set holds. Everything here is pure and unit-tested.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import catalog

DNS_TYPES = ("A", "AAAA", "CNAME", "SRV")
# The Lync phone options, as Microsoft's DHCPUtil / DHCPConfigScript.bat stores them on a Windows DHCP
# server ("Using DHCPUtil", https://learn.microsoft.com/en-us/previous-versions/office/skype-server-2010/gg412988(v=ocs.14)):
# option 120 (UCSipServer, Binary) in the standard class, and option 43 as the Binary sub-options 1-5
# (UCIdentifier, URLScheme, WebServerFqdn, WebServerPort, CertProvRelPath) of the vendor class MSUCClient.
# Binary values compare as hex bytes.
LYNC_VENDOR_CLASS = "MSUCClient"
BINARY_DHCP_OPTIONS = frozenset((120,))
BINARY_VENDOR_OPTIONS = {LYNC_VENDOR_CLASS.lower(): frozenset((1, 2, 3, 4, 5))}
VENDOR_CLASS_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}\Z")
HEX_RE = re.compile(r"\A(?:0x)?[0-9a-fA-F]+\Z")
# A DNS owner name: like an FQDN, but SRV names have labels that start with '_' (_sipinternaltls._tcp).
DNS_NAME_RE = re.compile(r"\A(?=.{1,253}\Z)(_?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z")
DRIVE_PATH_RE = re.compile(r"\A[A-Za-z]:\\[^\\/:*?\"<>|]+(\\[^\\/:*?\"<>|]+)*\Z")
UNC_SHARE_RE = re.compile(r"\A\\\\(?P<server>[A-Za-z0-9][A-Za-z0-9.\-]*)\\(?P<share>[^\\/:*?\"<>|]+)\Z")

TOP_KEYS = ("fqdn", "domain", "domain_joined", "ipv4", "dns_servers", "sql_instances", "file_stores", "dns", "dhcp")

# Fields a preparation run may set on the target when inventory and backup agree on them
# (fqdn only while the target is not yet a domain member); every other field is only
# checked, because changing it silently would hide a wrong restore.
APPLICABLE = ("fqdn", "domain", "dns_servers")


class PinsError(ValueError):
    """lync_pins that cannot be used; the message lists every problem."""


# --------------------------------------------------------------------------- validation

def _fqdn(value, where, problems):
    try:
        return bs.check_fqdn(value, where)
    except bs.BackupSetError:
        problems.append("%s %r is not a fully qualified domain name" % (where, value))
        return None


def _ipv4(value, where, problems):
    try:
        return str(ipaddress.IPv4Address(str(value).strip())) if isinstance(value, str) else None
    except ValueError:
        pass
    problems.append("%s %r is not an IPv4 address" % (where, value))
    return None


def _address_list(value, where, problems, required=True):
    if value is None or value == []:
        if required:
            problems.append("%s is missing (a list of IPv4 addresses)" % where)
        return []
    if not isinstance(value, list):
        problems.append("%s must be a list of IPv4 addresses, not %s" % (where, type(value).__name__))
        return []
    found = [_ipv4(item, "%s[%d]" % (where, index), problems) for index, item in enumerate(value)]
    return [a for a in found if a]


def _unknown_keys(value, allowed, where, problems):
    for key in sorted(set(value) - set(allowed)):
        problems.append("%s has an unknown key %r (allowed: %s)" % (where, key, ", ".join(allowed)))


def hex_bytes(value):
    """Canonical lower-case hex of a binary DHCP option value ('0x01 0e', ['0x1', '0xe'], '010e'), or None."""
    items = value if isinstance(value, list) else [value]
    items = [str(i).strip() for i in items if str(i).strip() != ""]
    if not items or not all(HEX_RE.match(i) for i in items):
        return None
    digits = [i[2:] if i.lower().startswith("0x") else i for i in items]
    if len(digits) == 1:
        text = digits[0]
        return ("0" + text if len(text) % 2 else text).lower()
    # Several values: one byte each, the way PowerShell lists a byte array.
    if any(len(d) > 2 for d in digits):
        return None
    return "".join(d.rjust(2, "0") for d in digits).lower()


def is_binary(option, vendor_class=None):
    """Whether a standard option, or a sub-option of a vendor class, holds binary data (compared as hex)."""
    if vendor_class:
        return int(option) in BINARY_VENDOR_OPTIONS.get(str(vendor_class).lower(), ())
    return int(option) in BINARY_DHCP_OPTIONS


def dhcp_value(option, value, vendor_class=None):
    """The comparable form of a DHCP option value: hex for binary options, else a list of strings."""
    if is_binary(option, vendor_class):
        return hex_bytes(value)
    items = value if isinstance(value, list) else [value]
    return [str(i).strip().lower() for i in items if i is not None and str(i).strip() != ""]


def srv_data(value):
    """'priority weight port target' with the target lower-case and without its trailing dot, or None."""
    parts = str(value).split()
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        return None
    return "%d %d %d %s" % (int(parts[0]), int(parts[1]), int(parts[2]), parts[3].rstrip(".").lower())


def record_data(rtype, value):
    """The comparable form of a DNS record's data, or None when malformed."""
    text = str(value).strip()
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            return None
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(text))
        except ValueError:
            return None
    if rtype == "CNAME":
        name = text.rstrip(".").lower()
        return name if bs.FQDN_RE.match(name) else None
    return srv_data(text)


def _dns(value, problems):
    where = "dns"
    if not isinstance(value, dict):
        problems.append("dns must be a dict with server and records")
        return None
    _unknown_keys(value, ("server", "records"), where, problems)
    server = value.get("server")
    if not isinstance(server, str) or not server:
        problems.append("dns.server is missing (the DNS server to read the records from)")
    elif not (bs.FQDN_RE.match(server) or re.match(r"\A\d+\.\d+\.\d+\.\d+\Z", server)):
        problems.append("dns.server %r is neither an FQDN nor an IPv4 address" % server)
    records = value.get("records")
    if not isinstance(records, list) or not records:
        problems.append("dns.records must be a non-empty list of {name, type, data}")
        records = []
    out = []
    for index, rec in enumerate(records):
        here = "dns.records[%d]" % index
        if not isinstance(rec, dict):
            problems.append("%s must be a dict with name, type and data" % here)
            continue
        _unknown_keys(rec, ("name", "type", "data"), here, problems)
        name = rec.get("name")
        if not isinstance(name, str) or not DNS_NAME_RE.match(name.rstrip(".")):
            problems.append("%s.name %r is not a fully qualified DNS name" % (here, name))
            name = None
        else:
            name = name.rstrip(".").lower()
        rtype = str(rec.get("type") or "").upper()
        if rtype not in DNS_TYPES:
            problems.append("%s.type %r is not one of %s" % (here, rec.get("type"), ", ".join(DNS_TYPES)))
            continue
        data = record_data(rtype, rec.get("data")) if rec.get("data") is not None else None
        if data is None:
            what = {"A": "an IPv4 address", "AAAA": "an IPv6 address", "CNAME": "an FQDN",
                    "SRV": "'priority weight port target'"}[rtype]
            problems.append("%s.data %r is not %s" % (here, rec.get("data"), what))
            continue
        if name:
            out.append({"name": name, "type": rtype, "data": data})
    return {"server": server, "records": out}


def _option_id(key, where, problems):
    try:
        option = int(str(key))
    except ValueError:
        option = 0
    if not 1 <= option <= 254:
        problems.append("%s key %r is not a DHCP option number (1-254)" % (where, key))
        return None
    return option


def _dhcp_values(options, vendor_class, here, where, problems):
    """[(option, canonical value)] of one class's option map; problems named by `where`."""
    out = []
    for key, raw in sorted(options.items(), key=lambda kv: str(kv[0])):
        option = _option_id(key, "%s.%s" % (here, where), problems)
        if option is None:
            continue
        if vendor_class is None and option == 43:
            problems.append("%s.options[43]: Lync's option 43 is not a standard option on a Windows DHCP server; "
                            "DHCPUtil stores it as sub-options 1-5 of the vendor class %s: pin them under "
                            "vendor_options.%s (docs/pins.md)" % (here, LYNC_VENDOR_CLASS, LYNC_VENDOR_CLASS))
            continue
        canonical = dhcp_value(option, raw, vendor_class)
        if canonical in (None, [], ""):
            kind = "hex bytes (e.g. 0x010e...)" if is_binary(option, vendor_class) else "a value"
            problems.append("%s.%s[%d] %r is not %s" % (here, where, option, raw, kind))
            continue
        out.append((option, canonical))
    return out


def _dhcp(value, problems):
    if not isinstance(value, dict):
        problems.append("dhcp must be a dict with server and scopes")
        return None
    _unknown_keys(value, ("server", "scopes"), "dhcp", problems)
    server = value.get("server")
    if not isinstance(server, str) or not server:
        problems.append("dhcp.server is missing (the inventory host of the DHCP server)")
    scopes = value.get("scopes")
    if not isinstance(scopes, list) or not scopes:
        problems.append("dhcp.scopes must be a non-empty list of {scope, options, vendor_options}")
        scopes = []
    out = []
    for index, scope in enumerate(scopes):
        here = "dhcp.scopes[%d]" % index
        if not isinstance(scope, dict):
            problems.append("%s must be a dict with scope, options and vendor_options" % here)
            continue
        _unknown_keys(scope, ("scope", "options", "vendor_options"), here, problems)
        scope_id = _ipv4(scope.get("scope"), "%s.scope" % here, problems)
        options = scope.get("options") or {}
        vendor = scope.get("vendor_options") or {}
        if not isinstance(options, dict) or not isinstance(vendor, dict) or not (options or vendor):
            problems.append("%s.options must map standard option numbers (120) to values, and/or "
                            "%s.vendor_options vendor class names (%s) to maps of sub-option numbers (1-5) to values"
                            % (here, here, LYNC_VENDOR_CLASS))
            continue
        found = [(None, o, v) for o, v in _dhcp_values(options, None, here, "options", problems)]
        for vendor_class, sub in sorted(vendor.items(), key=lambda kv: str(kv[0])):
            where = "vendor_options.%s" % vendor_class
            if not isinstance(vendor_class, str) or not VENDOR_CLASS_RE.match(vendor_class):
                problems.append("%s.vendor_options key %r is not a DHCP vendor class name" % (here, vendor_class))
                continue
            if not isinstance(sub, dict) or not sub:
                problems.append("%s.%s must map sub-option numbers to values" % (here, where))
                continue
            found += [(vendor_class, o, v) for o, v in _dhcp_values(sub, vendor_class, here, where, problems)]
        if scope_id:
            out += [{"scope": scope_id, "vendor_class": c, "option": o, "value": v} for c, o, v in found]
    return {"server": server, "options": out}


def _file_stores(value, fqdn, problems):
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append("file_stores must be a list of {unc, path}")
        return []
    out = []
    for index, store in enumerate(value):
        here = "file_stores[%d]" % index
        if not isinstance(store, dict):
            problems.append("%s must be a dict with unc and path" % here)
            continue
        _unknown_keys(store, ("unc", "path"), here, problems)
        unc = store.get("unc")
        match = UNC_SHARE_RE.match(unc) if isinstance(unc, str) else None
        if not match:
            problems.append("%s.unc %r is not a share path \\\\server\\share" % (here, unc))
            continue
        if fqdn and match.group("server").lower() not in (fqdn, fqdn.split(".")[0]):
            problems.append("%s.unc %s is a share of %s, not of this server %s" % (here, unc, match.group("server"), fqdn))
            continue
        path = store.get("path")
        if not isinstance(path, str) or not DRIVE_PATH_RE.match(path.rstrip("\\")):
            problems.append("%s.path %r is not a local folder like D:\\LyncShare" % (here, path))
            continue
        out.append({"unc": "\\\\%s\\%s" % (fqdn or match.group("server").lower(), match.group("share")),
                    "share": match.group("share"), "path": path.rstrip("\\")})
    return out


# A Windows account as SQL Server setup takes it for /SQLSVCACCOUNT: DOMAIN\user, NT SERVICE\MSSQL$X,
# NT AUTHORITY\NETWORK SERVICE, user@domain or a built-in name; no quotes or control characters.
ACCOUNT_RE = re.compile(r"\A[^\"\r\n\x00\\/:*?<>|]{1,64}(\\[^\"\r\n\x00\\/:*?<>|]{1,104})?\Z")


def _sql_instances(value, problems, default_account=None):
    """(sorted instance names, {NAME: service account or None}).

    Each item is an instance name (its account: default_account, the deprecated host-wide
    lync_sql_service_account) or {name, service_account} (issue 9: one account per instance).
    """
    if value is None:
        return [], {}
    if not isinstance(value, list):
        problems.append("sql_instances must be a list of instance names or {name, service_account}")
        return [], {}
    accounts = {}
    for index, item in enumerate(value):
        where = "sql_instances[%d]" % index
        name, account = item, default_account
        if isinstance(item, dict):
            _unknown_keys(item, ("name", "service_account"), where, problems)
            name, account = item.get("name"), item.get("service_account") or default_account
        try:
            name = (bs.check_instance(name) or "MSSQLSERVER").upper()
        except bs.BackupSetError:
            problems.append("%s %r is not a SQL Server instance name" % (where + (".name" if isinstance(item, dict)
                                                                                  else ""), name))
            continue
        if account is not None and (not isinstance(account, str) or not ACCOUNT_RE.match(account.strip())):
            problems.append("%s.service_account %r is not a Windows account (DOMAIN\\user, NT SERVICE\\MSSQL$%s, ...)"
                            % (where, account, name))
            account = None
        if name in accounts:
            problems.append("%s names instance %s twice" % (where, name))
        accounts[name] = account.strip() if isinstance(account, str) else None
    return sorted(accounts), accounts


def validate(value, host=None, default_sql_account=None):
    """Validated, normalised pins; PinsError listing every problem otherwise.

    host                -- the inventory host the pins belong to (named by FQDN, it must equal fqdn)
    default_sql_account -- the deprecated host-wide lync_sql_service_account: the account of every
                           pinned instance that names none
    """
    label = "lync_pins%s" % (" of %s" % host if host else "")
    if not isinstance(value, dict) or not value:
        raise PinsError("%s: missing; set lync_pins for this host (docs/pins.md)" % label)
    problems = []
    _unknown_keys(value, TOP_KEYS, "lync_pins", problems)
    fqdn = None
    if value.get("fqdn") is None:
        problems.append("fqdn is missing")
    else:
        fqdn = _fqdn(value.get("fqdn"), "fqdn", problems)
    joined = value.get("domain_joined", True)
    if not isinstance(joined, bool):
        problems.append("domain_joined must be true or false")
        joined = True
    domain = None
    if value.get("domain") is None:
        if joined:
            problems.append("domain is missing")
    else:
        domain = _fqdn(value.get("domain"), "domain", problems)
    if fqdn and domain and joined and not fqdn.endswith("." + domain):
        problems.append("fqdn %s is not in domain %s" % (fqdn, domain))
    if host and fqdn and "." in str(host) and str(host).lower() != fqdn:
        problems.append("fqdn %s differs from the inventory name %s (name hosts by their FQDN)" % (fqdn, host))
    sql_names, sql_accounts = _sql_instances(value.get("sql_instances"), problems, default_sql_account or None)
    pins = {
        "fqdn": fqdn,
        "hostname": fqdn.split(".")[0].upper() if fqdn else None,
        "domain": domain,
        "domain_joined": joined,
        "ipv4": _address_list(value.get("ipv4"), "ipv4", problems),
        "dns_servers": _address_list(value.get("dns_servers"), "dns_servers", problems),
        "sql_instances": sql_names,
        "sql_service_accounts": sql_accounts,
        "file_stores": _file_stores(value.get("file_stores"), fqdn, problems),
        "dns": _dns(value["dns"], problems) if value.get("dns") is not None else None,
        "dhcp": _dhcp(value["dhcp"], problems) if value.get("dhcp") is not None else None,
    }
    if problems:
        raise PinsError("%s: %s" % (label, "; ".join(problems)))
    return pins


# --------------------------------------------------------------------------- comparison

def _difference(field, key, inventory, target, backup, action, reason):
    return {"field": field, "key": key, "inventory": inventory, "target": target, "backup": backup,
            "action": action, "reason": reason}


def _norm_list(values):
    return sorted(str(v).lower() for v in values or [])


def _compare_values(field, inventory, target, backup, stage, same, applicable):
    """One field with three sources: None when they agree, else a difference with its action."""
    if backup is not None and not same(inventory, backup):
        return _difference(field, None, inventory, target, backup, "refuse",
                           "the inventory and the backup set disagree")
    if same(inventory, target):
        return None
    if applicable and stage == "prepare":
        return _difference(field, None, inventory, target, backup, "apply",
                           "the target differs; preparation sets the pinned value")
    return _difference(field, None, inventory, target, backup, "refuse",
                       "the target differs from the pinned value")


def _lync_file_stores(fqdn, identity, topology):
    """{unc: local path} of the Lync file stores this host held at backup time."""
    shares = {str(s.get("name", "")).lower(): s.get("path") for s in (identity or {}).get("shares") or []}
    found = {}
    for store in (topology or {}).get("file_stores") or []:
        if str(store.get("fqdn", "")).lower() == fqdn:
            found[str(store.get("unc")).lower()] = shares.get(str(store.get("share", "")).lower())
    return found


def backup_identity(manifest, fqdn):
    """The identity record of fqdn in a set's manifest, or None."""
    identities = (manifest or {}).get("identities") or {}
    return next((rec for name, rec in identities.items() if str(name).lower() == fqdn), None)


def compare(pins, target, manifest=None, dns_observed=None, dhcp_observed=None, stage="prepare"):
    """Compare the inventory's pins, the target and the backup set's identity record, field by field.

    pins          -- validate() output
    target        -- lync_host facts of the target now (facts.host_facts)
    manifest      -- manifest of the chosen backup set (identities, topology), or None when no set is used
    dns_observed  -- [{name, type, data}] read from pins.dns.server (lync_network_info), or None
    dhcp_observed -- [{scope, option, value}] read on pins.dhcp.server, or None
    stage         -- 'prepare': fields preparation applies may differ on the target (action 'apply');
                     'final': every field must agree (recovery preflight, after preparation)

    Returns {"agree", "differences", "fields", "apply"}: each difference has field, key, inventory,
    target, backup, action (refuse | apply | unchecked) and reason; `agree` is False when any
    difference must stop the run (refuse); `apply` holds what preparation should set.
    """
    if stage not in ("prepare", "final"):
        raise ValueError("stage must be prepare or final")
    diffs, fields = [], []
    fqdn = pins["fqdn"]
    identity = backup_identity(manifest, fqdn) if manifest is not None else None

    def check(field, diff):
        fields.append(field)
        if diff:
            diffs.append(diff)

    # fqdn: a member server must already carry the name (renaming a member is another computer);
    # a server still in a workgroup gets its name when it joins.
    joined = bool(target.get("domain_joined"))
    target_fqdn = str(target.get("fqdn") or "").lower()
    if manifest is not None and identity is None:
        recorded = sorted((manifest.get("identities") or {}).keys())
        check("fqdn", _difference("fqdn", None, fqdn, target_fqdn, None, "refuse",
                                  "the backup set %s holds no identity record for %s (it has: %s)"
                                  % (manifest.get("set_id"), fqdn, ", ".join(recorded) or "none")))
    elif joined:
        check("fqdn", None if target_fqdn == fqdn else _difference(
            "fqdn", None, fqdn, target_fqdn, identity["fqdn"] if identity else None, "refuse",
            "the target is a domain member under another name"))
    else:
        name = str(target.get("hostname") or "").upper()
        check("fqdn", None if name == pins["hostname"] else _difference(
            "fqdn", None, fqdn, target_fqdn, identity["fqdn"] if identity else None,
            "apply" if stage == "prepare" else "refuse",
            "the target is named %s; preparation renames it to %s as it joins the domain" % (name, pins["hostname"])
            if stage == "prepare" else "the target is named %s" % name))

    _compare_domain(pins, target, identity, manifest is not None, stage, check)

    check("ipv4", _compare_values("ipv4", pins["ipv4"], sorted(target.get("ipv4") or []),
                                  sorted(identity.get("ipv4") or []) if identity else None, stage,
                                  lambda a, b: _norm_list(a) == _norm_list(b), False))
    check("dns_servers", _compare_values(
        "dns_servers", pins["dns_servers"], list(target.get("dns_servers") or []),
        list(identity.get("dns_servers") or []) if identity else None, stage,
        lambda a, b: [str(x) for x in a or []] == [str(x) for x in b or []], True))

    _compare_sql(pins, target, identity, check)
    accounts = _compare_sql_accounts(pins, target, manifest, check)
    _compare_file_stores(pins, target, identity, (manifest or {}).get("topology"), check)
    _compare_dns(pins, dns_observed, check)
    _compare_dhcp(pins, dhcp_observed, check)

    apply_ = {d["field"]: d["inventory"] for d in diffs if d["action"] == "apply"}
    return {"agree": not any(d["action"] == "refuse" for d in diffs), "differences": diffs,
            "fields": sorted(set(fields)), "apply": apply_, "sql_service_accounts": accounts}


def _compare_domain(pins, target, identity, has_backup, stage, check):
    """domain (membership) and computer_account (the original AD computer object, by SID)."""
    target_domain = str(target.get("domain") or "").lower() if target.get("domain_joined") else None
    backup_domain = None
    if identity is not None:
        backup_domain = str(identity.get("domain") or "").lower() if identity.get("domain_joined", True) else None
    if not pins["domain_joined"]:
        if identity is not None and backup_domain is not None:
            check("domain", _difference("domain", None, None, target_domain, backup_domain, "refuse",
                                        "the pins say this server is not domain-joined, the backup says it was"))
        elif target_domain is not None:
            check("domain", _difference("domain", None, None, target_domain, backup_domain, "refuse",
                                        "the pins say this server is not domain-joined (an Edge Server), "
                                        "but the target is"))
        else:
            check("domain", None)
        return
    if identity is not None and backup_domain != pins["domain"]:
        check("domain", _difference("domain", None, pins["domain"], target_domain, backup_domain, "refuse",
                                    "the inventory and the backup set disagree"))
    elif target_domain == pins["domain"]:
        check("domain", None)
    elif target_domain is None and stage == "prepare":
        check("domain", _difference("domain", None, pins["domain"], None, backup_domain, "apply",
                                    "the target is in a workgroup; preparation joins it, reusing its original "
                                    "computer account"))
    else:
        check("domain", _difference("domain", None, pins["domain"], target_domain, backup_domain, "refuse",
                                    "the target is joined to another domain" if target_domain
                                    else "the target is not joined to the domain"))

    backup_sid = ((identity or {}).get("computer_account") or {}).get("sid")
    target_sid = target.get("computer_sid")
    if target_domain == pins["domain"] and backup_sid and target_sid and target_sid != backup_sid:
        check("computer_account", _difference(
            "computer_account", None, None, target_sid, backup_sid, "refuse",
            "the computer account is not the original one (its SID changed: it was deleted and created again); "
            "Microsoft requires the original account with its group memberships"))
    elif has_backup and identity is not None and not backup_sid:
        check("computer_account", _difference("computer_account", None, None, target_sid, None, "unchecked",
                                              "the backup set did not record the computer account's SID"))
    else:
        check("computer_account", None)


def _compare_sql(pins, target, identity, check):
    wanted = set(pins["sql_instances"])
    present = {str(i["name"]).upper() for i in target.get("sql_instances") or []}
    if identity is not None:
        recorded = {str(n).upper() for n in identity.get("sql_instances") or []} - set(catalog.LOCAL_STORE_INSTANCES)
        if recorded != wanted:
            check("sql_instances", _difference("sql_instances", None, sorted(wanted), sorted(present),
                                               sorted(recorded), "refuse",
                                               "the inventory and the backup set name different SQL instances "
                                               "(local stores RTCLOCAL/LYNCLOCAL aside)"))
            return
    stray = sorted(present - wanted - set(catalog.LOCAL_STORE_INSTANCES))
    if stray:
        check("sql_instances", _difference("sql_instances", None, sorted(wanted), sorted(present),
                                           None if identity is None else sorted(wanted), "refuse",
                                           "the target has SQL instances the pins do not name: %s" % ", ".join(stray)))
        return
    check("sql_instances", None)


def sql_service_name(instance):
    """The Windows service of an instance's Database Engine: MSSQLSERVER, or MSSQL$<name> for a named one."""
    name = str(instance or "MSSQLSERVER").upper()
    return "MSSQLSERVER" if name == "MSSQLSERVER" else "MSSQL$%s" % name


def virtual_account(instance):
    """The per-service virtual account SQL Server setup gives the Database Engine by default."""
    return "NT SERVICE\\%s" % sql_service_name(instance)


def same_account(a, b):
    """Two spellings of one Windows account (case-insensitive; 'NT Service' and 'NT SERVICE' alike)."""
    return str(a or "").strip().lower() == str(b or "").strip().lower()


# What lync_sql_backup recorded before issue 9 when it could not read the account (sys.dm_server_services
# needs SQL Server 2008 R2 SP1 and VIEW SERVER STATE): not an account; now it records null.
UNKNOWN_SQL_ACCOUNT = "the SQL Server service account"


def recorded_sql_accounts(manifest, fqdn):
    """{INSTANCE: service account} the backup set's SQL items recorded for host fqdn (lync_sql_backup details);
    an instance whose account the backup could not read (null, or the old placeholder) is left out."""
    found = {}
    for item in (manifest or {}).get("items") or []:
        details = item.get("details") or {}
        if str(item.get("id", "")).startswith("sql:") and str(details.get("sql_fqdn", "")).lower() == fqdn \
                and details.get("service_account") \
                and str(details["service_account"]).strip().lower() != UNKNOWN_SQL_ACCOUNT.lower():
            found[str(details.get("instance") or "MSSQLSERVER").upper()] = str(details["service_account"])
    return found


def _compare_sql_accounts(pins, target, manifest, check):
    """sql_service_accounts (key: instance): the account each pinned instance runs under.

    Returns {INSTANCE: the account the instance must run under, or None when nothing says}, which
    preparation installs it with. The backup records each instance's account (lync_sql_backup); a
    rebuilt instance under another account lacks that account's grants, SPNs and share rights.
    """
    recorded = recorded_sql_accounts(manifest, pins["fqdn"]) if manifest is not None else {}
    present = {str(i["name"]).upper(): i.get("service_account") for i in target.get("sql_instances") or []}
    expected = {}
    for name in pins["sql_instances"]:
        inventory = pins["sql_service_accounts"].get(name)
        backup = recorded.get(name)
        current = present.get(name)
        expected[name] = inventory
        if backup and not inventory:
            if same_account(backup, virtual_account(name)):
                expected[name] = backup
            else:
                check("sql_service_accounts", _difference(
                    "sql_service_accounts", name, None, current, backup, "refuse",
                    "the backup set recorded instance %s running as %s; pin its account (sql_instances: "
                    "[{name: %s, service_account: ...}]) and vault its password (lync_sql_service_passwords)"
                    % (name, backup, name)))
                continue
        elif backup and not same_account(inventory, backup):
            check("sql_service_accounts", _difference("sql_service_accounts", name, inventory, current, backup,
                                                      "refuse", "the inventory and the backup set disagree"))
            continue
        if expected[name] and current and not same_account(current, expected[name]):
            check("sql_service_accounts", _difference("sql_service_accounts", name, expected[name], current, backup,
                                                      "refuse", "instance %s runs under another account" % name))
            continue
        check("sql_service_accounts", None)
    return expected


def _compare_file_stores(pins, target, identity, topology, check):
    pinned = {s["unc"].lower(): s for s in pins["file_stores"]}
    recorded = _lync_file_stores(pins["fqdn"], identity, topology) if identity is not None else None
    shares = {str(s["name"]).lower(): s["path"] for s in target.get("shares") or []}
    found = False
    for unc in sorted(set(pinned) | set(recorded or {})):
        found = True
        pin = pinned.get(unc)
        backup_path = (recorded or {}).get(unc) if recorded is not None else None
        share = unc.rsplit("\\", 1)[1]
        target_path = shares.get(share)
        if recorded is not None and (pin is None or unc not in recorded
                                     or str(backup_path or "").lower() != pin["path"].lower()):
            check("file_stores", _difference("file_stores", unc, pin["path"] if pin else None, target_path,
                                             backup_path if unc in (recorded or {}) else None, "refuse",
                                             "the inventory and the backup set disagree on this file store"))
        elif target_path is not None and target_path.rstrip("\\").lower() != pin["path"].lower():
            check("file_stores", _difference("file_stores", unc, pin["path"], target_path, backup_path, "refuse",
                                             "the target shares %s from another folder" % share))
        else:
            check("file_stores", None)
    if not found:
        check("file_stores", None)


def _not_read(check, field, wanted, server):
    """A pinned part of the network nobody read: it cannot be shown to agree, so it refuses."""
    check(field, _difference(field, None, wanted, None, None, "refuse",
                             "pinned, but not read from %s (lync_network_info)" % server))


def _compare_dns(pins, observed, check):
    if not pins["dns"]:
        return
    if observed is None:
        _not_read(check, "dns_records", pins["dns"]["records"], pins["dns"]["server"])
        return
    seen = {}
    for rec in observed:
        rtype = str(rec.get("type", "")).upper()
        data = record_data(rtype, rec.get("data")) if rtype in DNS_TYPES else None
        seen.setdefault((str(rec.get("name", "")).rstrip(".").lower(), rtype), set()).add(data or str(rec.get("data")))
    wanted = {}
    for rec in pins["dns"]["records"]:
        wanted.setdefault((rec["name"], rec["type"]), set()).add(rec["data"])
    for (name, rtype), datas in sorted(wanted.items()):
        got = seen.get((name, rtype), set())
        key = "%s %s" % (name, rtype)
        if got != datas:
            check("dns_records", _difference(
                "dns_records", key, sorted(datas), sorted(got), None, "refuse",
                "no such record on %s" % pins["dns"]["server"] if not got else
                "%s answers differently" % pins["dns"]["server"]))
        else:
            check("dns_records", None)


def dhcp_label(scope, option, vendor_class=None):
    """'10.0.0.0 option 120' or '10.0.0.0 MSUCClient option 1': the key of a DHCP difference."""
    return "%s %soption %d" % (scope, "%s " % vendor_class if vendor_class else "", option)


def _compare_dhcp(pins, observed, check):
    if not pins["dhcp"]:
        return
    if observed is None:
        _not_read(check, "dhcp_options", pins["dhcp"]["options"], pins["dhcp"]["server"])
        return
    seen = {}
    for opt in observed:
        try:
            vendor = str(opt.get("vendor_class") or "") or None
            key = (str(ipaddress.IPv4Address(str(opt.get("scope")))), (vendor or "").lower(), int(opt.get("option")))
        except (ValueError, TypeError):
            continue
        seen[key] = dhcp_value(key[2], opt.get("value"), vendor)
    for pin in pins["dhcp"]["options"]:
        vendor = pin.get("vendor_class")
        key = (pin["scope"], (vendor or "").lower(), pin["option"])
        label = dhcp_label(pin["scope"], pin["option"], vendor)
        got = seen.get(key)
        what = "%s option %d" % (vendor, pin["option"]) if vendor else "option %d" % pin["option"]
        if got != pin["value"]:
            check("dhcp_options", _difference(
                "dhcp_options", label, pin["value"], got, None, "refuse",
                "%s is not set on scope %s of %s (scope or server level)" % (what, pin["scope"], pins["dhcp"]["server"])
                if got is None else "%s has another value" % pins["dhcp"]["server"]))
        else:
            check("dhcp_options", None)


def summary(result):
    """One line per difference, for messages and reports."""
    lines = []
    for d in result["differences"]:
        label = d["field"] + ("[%s]" % d["key"] if d["key"] else "")
        lines.append("%s (%s): inventory=%s target=%s backup=%s -- %s"
                     % (label, d["action"], _show(d["inventory"]), _show(d["target"]), _show(d["backup"]), d["reason"]))
    return lines


def _show(value):
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[%s]" % ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%s: %s" % (k, _show(v)) for k, v in sorted(value.items()))
    return str(value)
