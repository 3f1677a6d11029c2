"""Deterministic contents for the lab's databases, file stores and certificates.

Everything is generated from a seed string, so two labs built alike are identical and a
test can compare a restored lab with the one it started from, item by item.
"""

import hashlib
import random

SIP_DOMAIN = "contoso.com"
FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
         "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yolanda"]


def rng(*seed):
    """A random generator fixed by its seed parts."""
    return random.Random(hashlib.sha256("|".join(map(str, seed)).encode()).hexdigest())


def blob(size, *seed):
    """size bytes of deterministic content."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out.extend(hashlib.sha256(("%s|%d" % ("|".join(map(str, seed)), counter)).encode()).digest())
        counter += 1
    return bytes(out[:size])


def thumbprint(*seed):
    return hashlib.sha1("|".join(map(str, seed)).encode()).hexdigest().upper()


def users_for_pool(pool, start, count):
    """User records of one pool: SIP address, contacts, groups and scheduled conferences."""
    r = rng("users", pool)
    names = FIRST[start:start + count]
    users = []
    for index, name in enumerate(names):
        sip = "sip:%s@%s" % (name, SIP_DOMAIN)
        others = [n for n in FIRST if n != name]
        contacts = [{"sip": "sip:%s@%s" % (c, SIP_DOMAIN), "group": r.choice(["Team", "Friends", "Partners"]),
                     "tag": r.random() < 0.3} for c in r.sample(others, 4)]
        conferences = [{"id": "%s-%04d" % (name.upper()[:3], 100 + k), "subject": "%s weekly %d" % (name.title(), k),
                        "type": r.choice(["meetnow", "scheduled"]), "pstn_id": str(r.randint(10000, 99999))}
                       for k in range(1 + index % 3)]
        users.append({
            "sip": sip,
            "display_name": name.title(),
            "contacts": contacts,
            "groups": sorted({c["group"] for c in contacts}),
            "conferences": conferences,
            "permissions": {"allow_presence": r.choice(["everyone", "contacts"]), "privacy_mode": r.random() < 0.5},
        })
    return users


def user_store(pool, users):
    """rtcxds contents: persistent user data and the pool's conference directory."""
    return {
        "users": users,
        "conference_directories": [{"id": 1 + rng("confdir", pool).randint(1, 50), "pool": pool,
                                    "conferences": sorted(c["id"] for u in users for c in u["conferences"])}],
    }


def rgs_store(pool):
    """rgsconfig contents: application settings, agent groups, queues, workflows, hours, holidays."""
    r = rng("rgs", pool)
    agents = ["sip:%s@%s" % (n, SIP_DOMAIN) for n in r.sample(FIRST, 6)]
    groups = [{"name": "%s Agents %d" % (pool.split(".")[0].title(), i), "routing": r.choice(["Parallel", "Serial", "Attendant"]),
               "agents": agents[i * 3:(i + 1) * 3], "alert_time": 20 + 5 * i} for i in range(2)]
    queues = [{"name": "Queue %d" % i, "agent_groups": [groups[i]["name"]], "timeout": 300 + i * 60,
               "overflow": r.randint(5, 20)} for i in range(2)]
    hours = [{"name": "Office hours", "days": {d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}]
    holidays = [{"name": "Holidays %d" % y, "days": ["%d-12-25" % y, "%d-01-01" % (y + 1)]} for y in (2026, 2027)]
    workflows = [{"name": name, "uri": "sip:%s@%s" % (name.lower().replace(" ", ""), SIP_DOMAIN),
                  "line": "+1425555%04d" % r.randint(0, 9999), "queue": queues[i]["name"],
                  "hours": "Office hours", "holidays": holidays[0]["name"], "welcome_audio": "welcome-%d.wav" % i}
                 for i, name in enumerate(["Help Desk", "Sales Line"])]
    return {
        "owner": "service:ApplicationServer:%s" % pool,
        "settings": {"default_music_on_hold": "moh-default.wma", "agent_ringback_grace_period": 60,
                     "disable_call_context": False},
        "agent_groups": groups,
        "queues": queues,
        "workflows": workflows,
        "hours_of_business": hours,
        "holiday_sets": holidays,
    }


def cms_documents():
    """Global configuration documents held in xds besides the topology."""
    return {
        "Global/Voice/Policy:Global": {"AllowCallForwarding": True, "AllowSimulRing": True, "PstnUsages": ["Local", "LongDistance"]},
        "Global/Voice/NormalizationRule:Global/Keep All": {"Pattern": "^(\\d+)$", "Translation": "$1"},
        "Global/Conferencing/Policy:Global": {"AllowIPAudio": True, "MaxMeetingSize": 250},
        "Global/Client/Policy:Global": {"EnableAppearOffline": True, "MaxPhotoSizeKB": 100},
        "Global/ExternalAccess/Policy:Global": {"EnableFederationAccess": True, "EnableOutsideAccess": True},
        "Global/Archiving/Configuration:Global": {"EnableArchiving": "ImAndWebConf", "KeepArchivingDataForDays": 365},
        "Global/Monitoring/CdrConfiguration:Global": {"EnableCDR": True, "KeepCallDetailForDays": 60},
        "Global/Monitoring/QoEConfiguration:Global": {"EnableQoE": True, "KeepQoEDataForDays": 60},
        "Global/Sip/Domain:%s" % SIP_DOMAIN: {"IsDefault": True},
        "Global/Registrar/Configuration:Global": {"MaxEndpointsPerUser": 8, "MinEndpointExpiration": 300},
        "Global/Web/ServiceConfiguration:Global": {"UseWindowsAuth": "Ntlm", "EnableGroupExpansion": True},
        "Global/Certificate/OAuthTokenIssuer:Global": {"Thumbprint": thumbprint("oauth")},
    }


def lis_store():
    """lis contents: E9-1-1 locations, subnets, switches, ports, wireless access points."""
    r = rng("lis")
    locations = [{"id": i, "location": "Building %d Floor %d" % (1 + i // 3, 1 + i % 3), "company": "Contoso",
                  "house_number": str(100 + i), "street": "Main St", "city": "Redmond", "state": "WA",
                  "postal_code": "98052", "country": "US"} for i in range(6)]
    return {
        "locations": locations,
        "subnets": [{"subnet": "10.0.%d.0" % i, "location": i} for i in range(6)],
        "switches": [{"chassis_id": "00-11-22-33-44-%02X" % i, "location": i} for i in range(3)],
        "ports": [{"chassis_id": "00-11-22-33-44-00", "port": str(p), "location": r.randint(0, 5)} for p in range(4)],
        "wireless_access_points": [{"bssid": "AA-BB-CC-DD-EE-%02X" % i, "location": i} for i in range(2)],
        "published_version": 3,
    }


def archiving_rows(users):
    r = rng("lcslog")
    sips = [u["sip"] for u in users]
    return {"Messages": [{"id": i, "from": r.choice(sips), "to": r.choice(sips), "date": "2026-10-%02dT09:%02d:00Z" % (1 + i % 28, i % 60),
                          "body": "archived message %d" % i} for i in range(40)],
            "Users": [{"id": i, "sip": s} for i, s in enumerate(sips)]}


def cdr_rows(users):
    r = rng("lcscdr")
    sips = [u["sip"] for u in users]
    return {"SessionDetails": [{"id": i, "caller": r.choice(sips), "callee": r.choice(sips), "duration": r.randint(5, 3600),
                                "start": "2026-10-%02dT1%d:00:00Z" % (1 + i % 28, i % 10)} for i in range(60)]}


def qoe_rows():
    r = rng("qoe")
    return {"Session": [{"id": i, "mos": round(r.uniform(2.5, 4.5), 2), "jitter_ms": r.randint(1, 40)} for i in range(50)]}


def pchat_rows(users):
    r = rng("mgc")
    sips = [u["sip"] for u in users]
    rooms = [{"id": i, "name": "Room %s" % n, "category": "General"} for i, n in enumerate(["Ops", "Dev", "Sales"])]
    return {"Categories": [{"name": "General", "members": sips}],
            "Rooms": rooms,
            "Messages": [{"id": i, "room": r.randrange(3), "from": r.choice(sips), "text": "chat %d" % i} for i in range(30)],
            "Principals": [{"sip": s} for s in sips]}


def filestore_files(unc_root_seed, conferences, with_pchat):
    """{relative path: bytes} of a Lync file store, including locked Meeting.Active files."""
    files = {}
    for conf in conferences:
        base = "1-WebServices-1\\CollabContent\\%s" % conf
        files[base + "\\content\\deck.pptx"] = blob(1500, unc_root_seed, conf, "deck")
        files[base + "\\content\\notes.txt"] = blob(200, unc_root_seed, conf, "notes")
        files["1-WebServices-1\\CollabMetadata\\%s\\metadata.xml" % conf] = blob(300, unc_root_seed, conf, "meta")
    for conf in conferences[:2]:
        files["1-WebServices-1\\CollabContent\\%s\\Meeting.Active" % conf] = blob(64, unc_root_seed, conf, "active")
    files["1-WebServices-1\\DeviceUpdateStore\\UCPhone\\Polycom\\CX600\\ENU\\firmware.cab"] = blob(4096, unc_root_seed, "fw")
    files["1-WebServices-1\\DeviceUpdateLogs\\Client\\update.log"] = blob(500, unc_root_seed, "fwlog")
    files["1-ApplicationServer-1\\AppServerFiles\\RGS\\Wav\\welcome-0.wav"] = blob(2048, unc_root_seed, "rgs0")
    files["1-ApplicationServer-1\\AppServerFiles\\RGS\\Wav\\welcome-1.wav"] = blob(2048, unc_root_seed, "rgs1")
    files["1-ApplicationServer-1\\AppServerFiles\\RGS\\AS\\announcement.wav"] = blob(1024, unc_root_seed, "ann")
    files["1-ApplicationServer-1\\AppServerFiles\\CPS\\moh-default.wma"] = blob(3072, unc_root_seed, "moh")
    if with_pchat:
        files["1-PersistentChatServer-1\\Files\\Room Ops\\runbook.docx"] = blob(900, unc_root_seed, "pchat")
    return files


def certificate(fqdn, subject, sans, usages, *seed):
    """A server certificate as the lab keeps it (the private key is lab-only random text)."""
    return {
        "thumbprint": thumbprint(fqdn, subject, *seed),
        "subject": "CN=%s" % subject,
        "sans": sorted(sans),
        "issuer": "CN=Contoso Issuing CA, DC=contoso, DC=local",
        "not_after": "2028-06-30T00:00:00Z",
        "store": "LocalMachine\\My",
        "exportable": True,
        "key_size": 2048,
        "template": "WebServer",
        "usages": list(usages),
        "private_key": blob(32, "key", fqdn, subject, *seed).hex(),
    }
