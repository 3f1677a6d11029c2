"""A simulated Lync Server deployment that lync.server runs against on Linux.

The lab keeps the state of every simulated Windows host in one JSON file (named by the
inventory), answers win_powershell calls by running each payload's own text in a PowerShell 5.1 engine
(engine/, boundary/) over that state, and keeps
file stores and backup shares as real folders, so a backup made in the lab holds real
files and a restore can be compared with the state before the disaster.
"""
