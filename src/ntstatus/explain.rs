//! Our explanations of the NTSTATUS codes an SMB or logon troubleshooter
//! meets. Written for this project; [MS-SMB2] section numbers name the
//! server processing step that returns a code where there is one.

use super::Explanation;

explained! {
u32;
// ---------------------------------------------------------------- normal flow
0x0000_0000 "STATUS_SUCCESS" {
    meaning: "The request succeeded. In a SESSION_SETUP response it ends the authentication exchange: the session is established (look at SessionFlags for IS_GUEST or IS_NULL to see what kind of session the server actually granted).",
    causes: ["The operation completed normally."],
    check: [
        "Nothing to fix. If a session setup 'succeeded' but the user later gets ACCESS_DENIED, check the SessionFlags: IS_GUEST means the server mapped the user to guest (Samba: 'map to guest = Bad User'; Windows: the Guest account).",
    ],
}
0x0000_0103 "STATUS_PENDING" {
    meaning: "An interim response: the server has accepted the request and will send the final answer later, on the same MessageId, with the AsyncId from this response ([MS-SMB2] 3.3.4.2). Normal for CHANGE_NOTIFY, blocking LOCK, CREATE waiting on an oplock or lease break, and slow READ/WRITE/IOCTL.",
    causes: [
        "A CHANGE_NOTIFY waiting for a change in the directory (Explorer keeps one open per window).",
        "A CREATE waiting until another client acknowledges an oplock or lease break.",
        "A LOCK request without FAIL_IMMEDIATELY waiting for a conflicting lock to be released.",
        "Slow storage behind the server: the server goes async rather than hold the credit.",
    ],
    check: [
        "Nothing, unless no final response follows: then match the final response by AsyncId, and look at what the request waits on (an oplock break the other client never acknowledged, a lock that is never released).",
        "Windows: Get-SmbOpenFile shows who holds the file; Samba: 'smbstatus -L' shows the locks and leases.",
    ],
}
0x0000_010B "STATUS_NOTIFY_CLEANUP" {
    meaning: "A pending CHANGE_NOTIFY completed because its directory handle was closed. Normal when a client closes a watched directory.",
    causes: ["The client closed the handle it was watching (a window closed, a path changed)."],
    check: ["Nothing to fix."],
}
0x0000_010C "STATUS_NOTIFY_ENUM_DIR" {
    meaning: "A CHANGE_NOTIFY completed without a list of changes: more changed than fit in the output buffer (or the server kept no list), so the client must re-read the directory itself ([MS-SMB2] 3.3.5.19). Routine.",
    causes: [
        "Many files changed at once in a watched directory (a copy, an unpack, a build).",
        "The client asked for a small OutputBufferLength.",
    ],
    check: [
        "Nothing, unless it repeats all the time on a busy directory, which makes clients re-enumerate it over and over: then see which process writes there (Windows: Get-SmbOpenFile; Samba: smbstatus).",
    ],
}
0x0000_0108 "STATUS_OPLOCK_BREAK_IN_PROGRESS" {
    meaning: "A success code: the CREATE completed while an oplock break on the file was still under way. The open is valid.",
    causes: ["Another client held an oplock on the file and is being asked to give it up."],
    check: ["Nothing to fix; if opens are slow, look at how long the other client takes to acknowledge the break."],
}
0xC000_0016 "STATUS_MORE_PROCESSING_REQUIRED" {
    meaning: "In a SESSION_SETUP response: the server's authentication needs another token from the client, so the session stays in progress ([MS-SMB2] 3.3.5.5.3). The client passes the response's security token to its mechanism and sends what that gives back in another SESSION_SETUP carrying the SessionId of this response ([MS-SMB2] 3.2.5.3.1; SMB1: a SESSION_SETUP_ANDX with extended security, the UID in its place). Not an error: normal between the legs of NTLM (NEGOTIATE, CHALLENGE, AUTHENTICATE) and of multi-leg SPNEGO, NegoEx or Kerberos exchanges. The logon's result is the status of the last SESSION_SETUP response of that SessionId.",
    causes: [
        "The normal middle step of NTLM: the server's CHALLENGE message comes with this status.",
        "SPNEGO needs another token: the server chose another mechanism than the one of the client's first token and asks for a token of its choice, or a NegoEx exchange has more rounds.",
        "A KRB-ERROR the server returned inside the SPNEGO token (a Samba server does so for KRB_AP_ERR_SKEW and KRB_AP_ERR_TKT_NYV): the client may answer with a new AP-REQ, or its Kerberos library gives up on the error and the logon ends there ([MS-SMB2] 3.2.5.3.1). A Kerberos mutual authentication needs no extra round: its AP-REP comes in the final, successful response.",
    ],
    check: [
        "Nothing to fix: it is a step of the logon, not its result.",
        "In the capture: follow the next SESSION_SETUP on the same connection with this response's SessionId; the status of that exchange's last response is the logon's result. If none follows, the capture ended first (the rest is not in it) or the client stopped: an NTLM information probe closes after the CHALLENGE; a client without credentials, or whose policy blocks NTLM, cannot build its AUTHENTICATE; a KRB-ERROR in the token may be final for the client (smbscope FILE tells which: logon.capture_ended, logon.abandoned, a kerberos finding).",
        "Why a client stopped is in its own logs: Windows, the Microsoft-Windows-SMBClient/Security and Connectivity logs; Linux cifs, dmesg; smbclient, -d 3.",
    ],
}
0x8000_0005 "STATUS_BUFFER_OVERFLOW" {
    meaning: "A warning, not an error: the response carries as much data as fit and there is more. Normal on named pipe READ/IOCTL (an RPC reply bigger than the buffer: the client reads the rest), on QUERY_INFO and on FSCTL_DFS_GET_REFERRALS with a small buffer.",
    causes: [
        "An RPC reply over a named pipe (srvsvc, lsarpc, samr) longer than the client's read size.",
        "A QUERY_INFO (e.g. FileAllInformation with a long name, or a large security descriptor) bigger than OutputBufferLength.",
    ],
    check: [
        "Nothing, if the client follows up with another read or a bigger buffer. If a client treats it as a failure, it is a client bug.",
    ],
}
0x8000_0006 "STATUS_NO_MORE_FILES" {
    meaning: "QUERY_DIRECTORY has returned every entry: the end of a directory listing ([MS-SMB2] 3.3.5.18). Normal.",
    causes: ["The client kept asking until the listing was exhausted."],
    check: ["Nothing to fix. An empty listing ends with this on the first query only if the directory really is empty; a pattern that matches nothing gives STATUS_NO_SUCH_FILE instead."],
}
0xC000_0011 "STATUS_END_OF_FILE" {
    meaning: "A READ started at or past the end of the file, so there is nothing to return ([MS-SMB2] 3.3.5.12). Normal at the end of a sequential read.",
    causes: [
        "The client read up to the end of the file (its last read ran past EOF).",
        "The file was truncated by someone else while this client read it.",
    ],
    check: [
        "Nothing, unless it comes on the first READ of a file that should hold data: then check the file size on the server (Windows: Get-Item; Samba: ls -l on the share path) and whether another process truncates it.",
    ],
}
0x8000_002D "STATUS_STOPPED_ON_SYMLINK" {
    meaning: "A CREATE met a symbolic link on the server; the error response carries the link target (Symbolic Link Error Response, [MS-SMB2] 2.2.2.2.1) and the client is expected to follow it itself.",
    causes: [
        "The path goes through an NTFS symbolic link or junction on a Windows server.",
        "A Samba share with symlinks, served with SMB2 unix extensions or 'follow symlinks' settings that expose them.",
    ],
    check: [
        "Windows client: 'fsutil behavior query SymlinkEvaluation' - remote-to-local (R2L) and remote-to-remote (R2R) are disabled by default, so following such a link fails on the client.",
        "Samba: 'follow symlinks', 'wide links' and 'allow insecure wide links' in testparm -s.",
    ],
}
// ---------------------------------------------------------------- logon
0xC000_006D "STATUS_LOGON_FAILURE" {
    meaning: "SESSION_SETUP failed: the server (or the domain controller it asked) did not accept the user name and credentials. Servers report both 'no such user' and 'wrong password' as this, so the real reason is in the server's or DC's logs, not on the wire.",
    causes: [
        "Wrong password, or a stale saved credential (Windows Credential Manager, a mount's credentials file, a service account).",
        "The user does not exist in the domain the server checks (typo, wrong domain prefix, local account used against a domain server).",
        "NTLMv1 or LM response sent to a server that only accepts NTLMv2 (Samba 'ntlm auth = ntlmv2-only', Windows 'Network security: LAN Manager authentication level' = 'Send NTLMv2 response only. Refuse LM & NTLM', LmCompatibilityLevel 5, on the DC).",
        "Kerberos ticket for the wrong service account (duplicate or misplaced SPN) that the server cannot decrypt, with no NTLM fallback.",
        "Computer or domain trust broken between the server and the DC, so pass-through authentication fails.",
    ],
    check: [
        "Windows server: Security log event 4625 on the server (and 4776 on the DC for NTLM) - its Sub Status gives the real reason, e.g. 0xC0000064 no such user, 0xC000006A wrong password.",
        "Samba: 'log level = 1 auth_audit:2' (failed authentications are logged at auth_audit level 2, successful ones at 3; a global level 3 floods the log) and look in the smbd log for the line with the user and NT_STATUS_WRONG_PASSWORD or NT_STATUS_NO_SUCH_USER; test with 'smbclient -L //server -U user -W DOMAIN' and, on a member, wbinfo -a 'DOMAIN\\user%password' (the quotes keep the backslash from the shell).",
        "In the capture: the user and domain names of the NTLMSSP AUTHENTICATE message, and whether its NT response is NTLMv2 (longer than 24 bytes).",
        "For Kerberos: the ticket's SPN (cifs/host) and whether 'setspn -Q cifs/host' returns exactly one account.",
    ],
}
0xC000_006A "STATUS_WRONG_PASSWORD" {
    meaning: "The user exists but the password (or NTLM response computed from it) is wrong. SMB servers usually turn this into STATUS_LOGON_FAILURE on the wire; you see it as the Sub Status of event 4625, in Samba's auth log, or in the NETLOGON traffic between server and DC.",
    causes: [
        "A mistyped or old password, often a saved one after a password change.",
        "A mapped drive, scheduled task or service still using the previous password (and slowly locking the account out).",
        "NTLM response computed with the wrong domain or user name case on some clients.",
    ],
    check: [
        "Windows DC: events 4771 (Kerberos, failure code 0x18) and 4776 (NTLM) show which client sent the bad password.",
        "Windows client: 'cmdkey /list' for stored credentials; re-map the drive with the current password.",
        "Samba: smbd log with 'log level = 1 auth_audit:2' shows NT_STATUS_WRONG_PASSWORD with the user; 'smbpasswd -a user' or 'samba-tool user setpassword' to reset.",
    ],
}
0xC000_0064 "STATUS_NO_SUCH_USER" {
    meaning: "The user name is not known to the server or its domain. Usually reported to the client as STATUS_LOGON_FAILURE; Samba with 'map to guest = Bad User' logs the user on as guest instead.",
    causes: [
        "Typo in the user name, or the wrong domain: 'user' alone is looked up in the server's default domain, not the client's.",
        "A local account used against a server that only knows domain accounts, or the reverse.",
        "Samba: the user exists in AD but not in passdb / cannot be mapped by winbind (idmap range missing).",
    ],
    check: [
        "In the capture: the DomainName and UserName fields of the NTLMSSP AUTHENTICATE message; an empty DomainName makes the server assume its own.",
        "Windows: event 4625 Sub Status 0xC0000064 on the server; 'Get-ADUser name' on a DC.",
        "Samba: 'pdbedit -L' (standalone), wbinfo -i 'DOMAIN\\user' and getent passwd 'DOMAIN\\user' (member; quoted, or the shell drops the backslash), 'samba-tool user show user' (AD DC).",
    ],
}
0xC000_0072 "STATUS_ACCOUNT_DISABLED" {
    meaning: "The credentials are right but the account is disabled, so the logon is refused. Unlike a wrong password, servers do return this code to the client.",
    causes: [
        "The account was disabled by an administrator or by an account cleanup script.",
        "A computer account disabled after being moved or deemed stale (for machine logons).",
        "Samba standalone: the account has the 'D' flag in passdb.",
    ],
    check: [
        "Windows/AD: 'Get-ADUser user -Properties Enabled'; enable with 'Enable-ADAccount'.",
        "Samba: 'pdbedit -Lv user' (Account Flags contain D); enable with 'smbpasswd -e user', or 'samba-tool user enable user' on an AD DC.",
    ],
}
0xC000_0234 "STATUS_ACCOUNT_LOCKED_OUT" {
    meaning: "The account is locked out after too many failed logons; no logon is accepted until the lockout duration ends or an administrator unlocks it.",
    causes: [
        "A device or service retrying with an old password (phone mail client, mapped drive, scheduled task, service account).",
        "A user mistyping the password repeatedly.",
        "Password-spraying or brute force from the network.",
    ],
    check: [
        "Windows: event 4740 on the PDC emulator names the caller computer; 4625/4771 with bad passwords before it show the source. 'Get-ADUser user -Properties LockedOut,BadLogonCount,LastBadPasswordAttempt'; 'Unlock-ADAccount'.",
        "Samba AD: 'samba-tool user show user' (badPwdCount, lockoutTime) and 'samba-tool domain passwordsettings show'; standalone: 'pdbedit -Lv user' (Account Flags with L, Bad password count) and 'pdbedit -z -u user' to reset the count.",
    ],
}
0xC000_0193 "STATUS_ACCOUNT_EXPIRED" {
    meaning: "The account's expiry date has passed, so logons are refused even with the right password.",
    causes: ["An account expiry date set for contractors or temporary staff that has now passed."],
    check: [
        "Windows: 'Get-ADUser user -Properties AccountExpirationDate'; 'Set-ADAccountExpiration' or 'Clear-ADAccountExpiration'.",
        "Samba AD: 'samba-tool user setexpiry user --noexpiry' (or --days=N); standalone: 'pdbedit -Lv user' (Kickoff time).",
    ],
}
0xC000_0071 "STATUS_PASSWORD_EXPIRED" {
    meaning: "The password is right but has expired under the domain's maximum password age. A network logon cannot change it, so the user must change it interactively (or through a password-change service) first.",
    causes: [
        "The password reached the maximum age in the domain or fine-grained password policy.",
        "A service or share-only account that nobody logs on to interactively, so nobody saw the warning.",
    ],
    check: [
        "Windows: 'Get-ADUser user -Properties PasswordLastSet,PasswordExpired,msDS-UserPasswordExpiryTimeComputed'; 'net accounts /domain' for the policy.",
        "Samba: 'samba-tool domain passwordsettings show' (AD), 'pdbedit -Lv user' (Password must change) on standalone; for service accounts set the password not to expire.",
    ],
}
0xC000_0224 "STATUS_PASSWORD_MUST_CHANGE" {
    meaning: "The account is flagged 'user must change password at next logon' (pwdLastSet = 0), so a network logon is refused until the password is changed.",
    causes: [
        "An administrator reset the password and ticked 'must change at next logon'.",
        "A new account created with that flag that is used first over SMB, not at a desktop.",
    ],
    check: [
        "Windows: 'Get-ADUser user -Properties pwdLastSet' (0 means must change); have the user change it, or clear the flag with 'Set-ADUser user -ChangePasswordAtLogon $false'.",
        "Samba: 'pdbedit -Lv user' shows 'Password must change'; 'smbpasswd user' changes it; 'samba-tool user setpassword' on an AD DC.",
    ],
}
0xC000_006F "STATUS_INVALID_LOGON_HOURS" {
    meaning: "The account may not log on at this time of day or week (the logonHours attribute).",
    causes: [
        "The user has logon-hour restrictions and it is outside them.",
        "A clock or time zone difference between client, server and DC makes an allowed time look forbidden.",
    ],
    check: [
        "Windows: the Logon Hours in the account's properties (attribute logonHours, stored in UTC).",
        "Samba: 'pdbedit -Lv user' (Logon hours) or 'samba-tool user show user --attributes=logonHours'.",
        "Time on the DC: 'w32tm /query /status'.",
    ],
}
0xC000_0070 "STATUS_INVALID_WORKSTATION" {
    meaning: "The account may only log on from a list of named computers (userWorkstations, 'Log On To...'), and the workstation name the client sent is not on it.",
    causes: [
        "'Log On To' restrictions on the account; the client's NetBIOS name is missing.",
        "A non-Windows client (Linux, macOS, a scanner) that sends an empty or unexpected workstation name in NTLM.",
    ],
    check: [
        "In the capture: the Workstation field of the NTLMSSP AUTHENTICATE message.",
        "Windows: 'Get-ADUser user -Properties LogonWorkstations'.",
        "Samba: 'pdbedit -Lv user' (Workstations) or 'samba-tool user show user --attributes=userWorkstations'.",
    ],
}
0xC000_006E "STATUS_ACCOUNT_RESTRICTION" {
    meaning: "The credentials are valid but an account restriction forbids this logon: a blank password used over the network (Windows refuses it by default), membership of Protected Users (which forbids NTLM: the logon must use Kerberos), or an authentication policy.",
    causes: [
        "A local account with an empty password ('Accounts: Limit local account use of blank passwords to console logon only' is on by default).",
        "The account is in Protected Users (no NTLM, no RC4) or an authentication policy restricts where it may log on.",
        "Other account restrictions the DC enforces (authentication policies, smart card required).",
    ],
    check: [
        "Is the account in Protected Users ('samba-tool group listmembers \"Protected Users\"', 'Get-ADPrincipalGroupMembership user')? Then log on with Kerberos (connect by the server's name, with a ticket), not NTLM. Else give an empty password a value, or look for an authentication policy.",
        "Windows: event 4625 Sub Status on the server.",
        "Give the account a password; or (not recommended) the security option 'Limit local account use of blank passwords to console logon only'.",
        "Samba: 'null passwords' in testparm -s for empty passwords.",
    ],
}
0xC000_015B "STATUS_LOGON_TYPE_NOT_GRANTED" {
    meaning: "The user authenticated but does not hold the right for a network logon on this server: 'Access this computer from the network' is missing or 'Deny access to this computer from the network' applies.",
    causes: [
        "A GPO that trims 'Access this computer from the network' (SeNetworkLogonRight) so the user's groups are not in it.",
        "The user or one of its groups (often Guests, Local account) is in 'Deny access to this computer from the network' (SeDenyNetworkLogonRight).",
        "The guest account used for a guest logon is denied network logon.",
    ],
    check: [
        "Windows server: 'gpresult /h report.html' and secpol.msc > Local Policies > User Rights Assignment; event 4625 with Logon Type 3.",
        "Samba AD DC: the same rights come from GPO; a Samba member checks 'net sam rights list' and 'net rpc rights list accounts'.",
    ],
}
0xC000_005E "STATUS_NO_LOGON_SERVERS" {
    meaning: "The server could not reach any domain controller to check the credentials, so it cannot authenticate a domain user (local accounts still work).",
    causes: [
        "DNS on the server cannot find the domain's _ldap._tcp.dc._msdcs SRV records.",
        "Firewall between server and DCs (TCP 88, 135, 389, 445, 49152-65535 for RPC).",
        "All DCs of the site down, or the server in a site with no DC and no site coverage.",
        "Samba member: winbindd not running, or it has marked the DC offline.",
    ],
    check: [
        "Windows: 'nltest /dsgetdc:DOMAIN' and 'nltest /sc_query:DOMAIN' on the server; Netlogon events 5719 and 5783 in the System log.",
        "Samba: 'wbinfo --ping-dc', 'wbinfo -t', 'net ads info' and 'net ads lookup'; 'systemctl status winbind'; the DNS resolver in /etc/resolv.conf.",
        "'nslookup -type=SRV _ldap._tcp.dc._msdcs.DOMAIN' from the server.",
    ],
}
0xC000_018C "STATUS_TRUSTED_DOMAIN_FAILURE" {
    meaning: "The logon needed a trusted domain (the user is from another domain or forest) and the trust between the domains failed.",
    causes: [
        "The trust's password is out of sync between the two domains.",
        "The server's DC cannot reach a DC of the user's domain (DNS forwarders, firewall).",
        "Selective authentication on a forest trust without 'Allowed to authenticate' on the server's computer object.",
    ],
    check: [
        "Windows: 'nltest /sc_verify:TRUSTEDDOMAIN' and 'netdom trust THISDOMAIN /domain:TRUSTEDDOMAIN /verify' on a DC; Test-ComputerSecureChannel on the server.",
        "Samba: 'wbinfo --all-domains', 'wbinfo -t --domain=TRUSTED', 'samba-tool domain trust validate TRUSTED' on a Samba AD DC.",
    ],
}
0xC000_018D "STATUS_TRUSTED_RELATIONSHIP_FAILURE" {
    meaning: "The secure channel between this computer and its domain failed: the server's computer account password no longer matches the one the DC has, so it cannot pass logons to the DC.",
    causes: [
        "The computer was restored from a snapshot or backup with an old machine password.",
        "Another computer joined with the same name and reset the account.",
        "Samba member: secrets.tdb lost or replaced, or the machine account was reset in AD.",
    ],
    check: [
        "Windows: 'Test-ComputerSecureChannel -Verbose'; repair with 'Test-ComputerSecureChannel -Repair -Credential DOMAIN\\admin' or 'nltest /sc_reset:DOMAIN'; Netlogon event 3210 or 5722.",
        "Samba: 'net ads testjoin' and 'wbinfo -t'; rejoin with 'net ads join -U admin' if the test fails.",
    ],
}
0xC000_018B "STATUS_NO_TRUST_SAM_ACCOUNT" {
    meaning: "The domain controller has no computer (trust) account for this server, so the server's secure channel - and every domain logon through it - is refused.",
    causes: [
        "The server's computer account was deleted from AD.",
        "The server is joined to a different domain than the DC it talks to thinks.",
    ],
    check: [
        "Windows: 'Get-ADComputer SERVER' on a DC; rejoin the server to the domain.",
        "Samba: 'net ads testjoin'; 'net ads join -U admin' to recreate the account; check 'workgroup' and 'realm' in smb.conf.",
    ],
}
0xC000_018A "STATUS_NO_TRUST_LSA_SECRET" {
    meaning: "The server has no local copy of its machine account secret, so it cannot set up the secure channel to its domain.",
    causes: [
        "A Windows server whose LSA secrets were lost (broken join, restored system state).",
        "Samba member whose secrets.tdb lacks the machine password (join never completed, file deleted).",
    ],
    check: [
        "Windows: rejoin the domain; 'Test-ComputerSecureChannel -Repair'.",
        "Samba: 'net ads testjoin'; 'tdbdump /var/lib/samba/private/secrets.tdb | grep MACHINE'; rejoin with 'net ads join'.",
    ],
}
0xC000_0199 "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT" {
    meaning: "A workstation (computer) account tried a normal user logon. Computer accounts can only set up the secure channel, not log on to shares this way.",
    causes: [
        "A client authenticated with its machine account (DOMAIN\\HOST$) against a server that does not allow it for this logon type, e.g. an old tool or a misconfigured service.",
    ],
    check: [
        "In the capture: the user name in the NTLMSSP AUTHENTICATE message or the Kerberos client name: does it end in '$'?",
        "Samba: the smbd auth log line names the account; make the client use a user account.",
    ],
}
0xC000_019A "STATUS_NOLOGON_SERVER_TRUST_ACCOUNT" {
    meaning: "A domain controller's computer account tried a normal user logon, which is not allowed with a server trust account.",
    causes: ["A DC's machine credentials used to access a share directly (scripts running as SYSTEM on a DC use Kerberos normally; NTLM with the DC account gives this)."],
    check: ["Which process on the DC makes the connection; make it use Kerberos (a name with an SPN, not an IP address) or a user account."],
}
0xC000_0198 "STATUS_NOLOGON_INTERDOMAIN_TRUST_ACCOUNT" {
    meaning: "An interdomain trust account (DOMAIN$ of a trusted domain) tried a normal logon, which such accounts cannot do.",
    causes: ["A tool or a misconfigured trust used the trust account's name as a user."],
    check: ["The user name in the authentication message; verify the trust with 'nltest /sc_verify:DOMAIN' or 'samba-tool domain trust validate'."],
}
0xC000_0388 "STATUS_DOWNGRADE_DETECTED" {
    meaning: "The client detected that the SMB negotiation was tampered with or answered inconsistently - typically the server's signed VALIDATE_NEGOTIATE_INFO answer (SMB 3.0/3.02) did not match what was negotiated - and dropped the connection. Also returned when Kerberos fails in a way that suggests a downgrade to NTLM.",
    causes: [
        "A server or appliance that answers FSCTL_VALIDATE_NEGOTIATE_INFO wrongly (old NAS firmware, SMB proxies, WAN optimizers).",
        "A man-in-the-middle device altering the NEGOTIATE exchange.",
        "A Kerberos failure (no SPN, KDC unreachable) on a client that refuses to fall back to NTLM.",
    ],
    check: [
        "In the capture: the IOCTL FSCTL_VALIDATE_NEGOTIATE_INFO after tree connect and whether its response matches the NEGOTIATE (dialect, capabilities, security mode, GUID).",
        "Update the NAS or proxy firmware; prefer SMB 3.1.1, whose pre-authentication integrity replaces this check.",
        "Windows client: Microsoft-Windows-SMBClient/Security log; for Kerberos, 'klist get cifs/server'.",
    ],
}
0xC000_0133 "STATUS_TIME_DIFFERENCE_AT_DC" {
    meaning: "The clocks of this computer and the domain controller differ too much (more than the Kerberos skew, 5 minutes by default), so authentication through the DC failed.",
    causes: [
        "The server or DC not syncing time (stopped time service, VM host time sync fighting the domain hierarchy).",
        "The PDC emulator syncing from a bad external source.",
    ],
    check: [
        "Windows: 'w32tm /query /status' and 'w32tm /stripchart /computer:DC /samples:3'; 'w32tm /resync'.",
        "Linux/Samba: 'chronyc tracking' or 'timedatectl'; 'net ads info' prints the DC's time and the offset.",
    ],
}
0xC000_0320 "STATUS_PKINIT_FAILURE" {
    meaning: "Kerberos PKINIT (smart card or certificate logon) failed while the client was getting a ticket; the certificate side of the logon could not be completed.",
    causes: [
        "The user's certificate is not trusted by the KDC, or lacks the smart card logon EKU / UPN.",
        "The DC has no valid KDC certificate to answer PKINIT.",
        "Certificate revocation lists unreachable from the DC or the client.",
    ],
    check: [
        "DC System log: Kerberos-Key-Distribution-Center events 19, 21, 29 (KDC certificate problems); 'certutil -dcinfo verify' on the DC.",
        "Client: 'certutil -scinfo' for the card's certificates; CAPI2 operational log for chain or revocation errors.",
    ],
}
0xC000_038C "STATUS_PKINIT_CLIENT_FAILURE" {
    meaning: "The KDC rejected the client's smart card or logon certificate in PKINIT.",
    causes: [
        "The user certificate expired, was revoked, or its issuing CA is not in the NTAuth store.",
        "The revocation status of the user certificate could not be checked by the DC.",
    ],
    check: [
        "DC: 'certutil -viewstore -enterprise NTAuth' contains the issuing CA; CAPI2 log for revocation fetch failures.",
        "Client: 'certutil -scinfo'; the certificate's validity and EKU (Smart Card Logon, Client Authentication).",
    ],
}
0xC000_02F9 "STATUS_PKINIT_NAME_MISMATCH" {
    meaning: "In a certificate logon, the name in the client's certificate does not map to the account being logged on.",
    causes: [
        "The certificate's UPN (subject alternative name) differs from the account's userPrincipalName.",
        "Strong certificate mapping enforcement (KB5014754) and the certificate lacks the SID extension or an explicit mapping.",
    ],
    check: [
        "Compare the certificate SAN with 'Get-ADUser user -Properties userPrincipalName,altSecurityIdentities'.",
        "DC System log: Kerberos-Key-Distribution-Center events 39, 40, 41 (certificate mapping).",
    ],
}
0xC000_02FA "STATUS_SMARTCARD_LOGON_REQUIRED" {
    meaning: "The account requires smart card logon, so a password (NTLM or Kerberos with password) logon is refused.",
    causes: ["'Smart card is required for interactive logon' is set on the account and the client offered a password."],
    check: [
        "'Get-ADUser user -Properties SmartcardLogonRequired'; use the smart card (Kerberos PKINIT), or a different account for the share.",
    ],
}
0xC000_040E "STATUS_KDC_CERT_EXPIRED" {
    meaning: "In a smart card logon, the domain controller's certificate has expired, so the client will not trust the KDC.",
    causes: ["The DC's Kerberos Authentication / Domain Controller Authentication certificate expired and was not renewed."],
    check: ["On the DC: 'certutil -dcinfo verify' and the Personal store of the computer; renew the certificate (autoenrollment)."],
}
0xC000_040F "STATUS_KDC_CERT_REVOKED" {
    meaning: "In a smart card logon, the domain controller's certificate is revoked, so the client refuses the KDC.",
    causes: [
        "The DC's certificate was revoked on the CA.",
        "The client cannot reach the CRL and treats the status as revoked or unknown.",
    ],
    check: ["Client: CAPI2 operational log; 'certutil -verify -urlfetch dc.cer'. DC: enroll a new certificate."],
}
0xC000_02FD "STATUS_KDC_UNKNOWN_ETYPE" {
    meaning: "The KDC and the client (or the target account) share no Kerberos encryption type, so no ticket can be issued; the Kerberos form of this is KDC_ERR_ETYPE_NOSUPP.",
    causes: [
        "RC4 or DES disabled on one side while the account only has those keys (an old password set before AES, or msDS-SupportedEncryptionTypes).",
        "A Samba or NAS service account whose keytab only has RC4 keys while the domain requires AES.",
    ],
    check: [
        "DC System log: Kerberos-Key-Distribution-Center events 14 and 16 name the account missing a suitable key.",
        "'Get-ADUser/Get-ADComputer x -Properties msDS-SupportedEncryptionTypes'; reset the account's password to create AES keys.",
        "Samba: 'klist -ke /etc/krb5.keytab' for the key types; 'kerberos encryption types' in smb.conf.",
    ],
}
0xC000_02FB "STATUS_KDC_INVALID_REQUEST" {
    meaning: "The KDC rejected a Kerberos request as malformed or not allowed.",
    causes: [
        "A client sending options the KDC does not accept (e.g. a renewable or forwardable request the policy forbids).",
        "A request too large for UDP handled badly by a middlebox.",
    ],
    check: ["Capture port 88 between the client and the DC and look at the KRB-ERROR code and e-text; the DC's System log."],
}
0xC000_02FC "STATUS_KDC_UNABLE_TO_REFER" {
    meaning: "The KDC could not give a referral to another realm for the requested name, so no cross-domain ticket could be built.",
    causes: [
        "The SPN or UPN suffix is in a domain or forest the KDC does not trust, or routing of that name suffix is disabled on the forest trust.",
    ],
    check: ["'netdom trust /namesuffixes' and the trust's Name Suffix Routing; 'klist get cifs/server' from the client."],
}
0xC000_0408 "STATUS_USER2USER_REQUIRED" {
    meaning: "The target service can only be reached with Kerberos user-to-user authentication, because its SPN is registered on a user account whose key the service does not hold.",
    causes: ["An SPN (e.g. cifs/host) registered on a user account instead of the computer or service account that actually runs the service."],
    check: ["'setspn -Q cifs/host' and move the SPN to the right account ('setspn -D' / 'setspn -S')."],
}
0xC000_02C3 "STATUS_MUTUAL_AUTHENTICATION_FAILED" {
    meaning: "The client could not verify the server's identity in Kerberos mutual authentication (the AP-REP did not check out), so it refuses the session.",
    causes: [
        "The server decrypted the ticket with a different key than the KDC used: an out-of-date keytab or machine password on the server.",
        "Duplicate SPN: the ticket was issued for one account and another server answered.",
    ],
    check: [
        "'setspn -X' for duplicates and 'setspn -Q cifs/server'.",
        "Samba: 'klist -ke /etc/krb5.keytab' KVNO versus the account's msDS-KeyVersionNumber; 'net ads keytab create' after a password change.",
    ],
}
0xC000_0322 "STATUS_NO_KERB_KEY" {
    meaning: "There is no Kerberos key for the account or encryption type needed, so Kerberos cannot be used for this logon.",
    causes: [
        "An account whose password was never set after the domain gained AES support, or a trust without the needed keys.",
        "Samba member: the keytab lacks the key for the ticket's encryption type.",
    ],
    check: ["Reset the account's password to generate keys; 'klist -ke' on the Samba server; KDC events 14/16 on the DC."],
}
0xC000_0413 "STATUS_AUTHENTICATION_FIREWALL_FAILED" {
    meaning: "A forest trust with selective authentication blocked the logon: the user from the other forest has no 'Allowed to authenticate' right on this server's computer object.",
    causes: ["Selective authentication on the trust, and the server was not opened to the user's group."],
    check: [
        "On the server's computer object in AD (Security tab): grant 'Allowed to authenticate' to the trusted users' group.",
        "'Get-ADTrust -Filter *' to see SelectiveAuthentication; DC event 4625 with this status.",
    ],
}
0xC000_0418 "STATUS_NTLM_BLOCKED" {
    meaning: "NTLM authentication is blocked by policy on the client, the server or the DC, so a logon that could not use Kerberos fails.",
    causes: [
        "'Network security: Restrict NTLM' policies (incoming, outgoing, or in this domain) set to deny.",
        "Connecting by IP address or an alias without an SPN, so Kerberos is not used and NTLM is the only option.",
        "Newer Windows releases restricting NTLM for SMB on the client (SMB client NTLM blocking).",
    ],
    check: [
        "Microsoft-Windows-NTLM/Operational log (events 4001-4004, 8001-8004) on the machine that blocked it.",
        "Connect by the server's real name so Kerberos works: 'klist get cifs/server'; add an SPN for an alias with 'setspn -S cifs/alias server'.",
    ],
}
0xC000_035B "STATUS_BAD_BINDINGS" {
    meaning: "The channel binding token the client supplied did not match the secure channel (Extended Protection for Authentication), so the logon was refused.",
    causes: [
        "A TLS-terminating proxy or load balancer between client and service, so the bindings differ.",
        "An old client that does not send channel bindings to a service that requires them.",
    ],
    check: ["The service's Extended Protection setting (LDAP channel binding, IIS EPA) and whether a proxy terminates TLS."],
}
0xC000_006C "STATUS_PASSWORD_RESTRICTION" {
    meaning: "A password change or set was refused because the new password breaks the password policy (length, complexity, history, minimum age).",
    causes: [
        "The new password is too short, too simple, or was used recently.",
        "The password was changed less than the minimum password age ago.",
    ],
    check: [
        "Windows: 'Get-ADDefaultDomainPasswordPolicy' and fine-grained policies ('Get-ADUserResultantPasswordPolicy user').",
        "Samba: 'samba-tool domain passwordsettings show'; 'pdbedit -P \"min password length\"' on standalone.",
    ],
}
0xC000_005F "STATUS_NO_SUCH_LOGON_SESSION" {
    meaning: "The logon session the request refers to no longer exists on that machine (a credential or token that outlived its session).",
    causes: [
        "A client-side process using credentials of a user who logged off.",
        "A Kerberos ticket cache bound to a logon session that was purged.",
    ],
    check: ["On the client: 'klist' and 'klist sessions'; log off and on again or 'klist purge'."],
}
0xC000_0062 "STATUS_INVALID_ACCOUNT_NAME" {
    meaning: "The account name given is not syntactically valid (illegal characters or too long).",
    causes: ["A user name with characters such as \" / \\ [ ] : ; | = , + * ? < >, or a malformed UPN."],
    check: [
        "In the capture: the UserName field in the NTLMSSP AUTHENTICATE message or the client principal in Kerberos.",
        "Log on with the account's name as the directory has it (Windows: 'Get-ADUser name'; Samba: 'samba-tool user list', 'pdbedit -L').",
    ],
}
0xC000_00DF "STATUS_NO_SUCH_DOMAIN" {
    meaning: "The domain named in the logon is not known to the server or its DCs.",
    causes: [
        "A typo or an old NetBIOS domain name in DOMAIN\\user.",
        "The domain of the user is not trusted by the server's domain.",
        "Samba member: winbind cannot resolve the domain ('winbind enum' or trust enumeration failing).",
    ],
    check: [
        "In the capture: the DomainName field of the NTLMSSP AUTHENTICATE message.",
        "Windows: 'nltest /domain_trusts'. Samba: 'wbinfo --all-domains' and 'wbinfo -D DOMAIN'.",
    ],
}
0xC000_0192 "STATUS_NETLOGON_NOT_STARTED" {
    meaning: "The Netlogon service is not running on the server (or DC), so domain logons cannot be passed on.",
    causes: ["Netlogon stopped or failed to start (often right after boot, or after a failed domain join)."],
    check: ["Windows: 'Get-Service Netlogon', System log; Samba member: 'systemctl status winbind' and the winbindd log."],
}
0xC000_0250 "STATUS_INSUFFICIENT_LOGON_INFO" {
    meaning: "The logon request lacked information needed to authenticate (for example no NTLMv2 response where the server required one).",
    causes: [
        "A client sending an NTLM message without the fields the DC expects (old or minimal NTLM implementations).",
    ],
    check: [
        "In the capture: the NtChallengeResponse length and the AV pairs of the NTLMSSP AUTHENTICATE message.",
        "Update the client's NTLM implementation.",
    ],
}
0xC000_0203 "STATUS_USER_SESSION_DELETED" {
    meaning: "The SessionId in the request does not name a session the server knows on this connection ([MS-SMB2] 3.3.5.2.9): it was logged off, expired and cleaned up, or the server restarted or failed over.",
    causes: [
        "The server was restarted or the share's cluster node failed over, and the client reused its old SessionId.",
        "An administrator closed the session (Windows: 'Close-SmbSession'; Samba: 'smbcontrol' or a restart).",
        "A client bug reusing a SessionId after LOGOFF, or a session binding to a session that no longer exists.",
        "Idle session cleanup on the server ('autodisconnect' on Windows, 'deadtime' on Samba) followed by a client that does not reconnect cleanly.",
    ],
    check: [
        "In the capture: the SESSION_SETUP that created this SessionId, and any LOGOFF or TCP reset before the failing request.",
        "Windows server: Microsoft-Windows-SMBServer/Operational and Connectivity logs, 'Get-SmbServerConfiguration | select AutoDisconnectTimeout'.",
        "Samba: 'deadtime' in testparm -s, smbd restarts in journalctl -u smbd.",
    ],
}
0xC000_035C "STATUS_NETWORK_SESSION_EXPIRED" {
    meaning: "The session's authentication has expired - with Kerberos, the service ticket's lifetime ended - and the client must re-authenticate with a new SESSION_SETUP on the same SessionId ([MS-SMB2] 3.3.5.2.9). Normally the client does this silently.",
    causes: [
        "The Kerberos service ticket used for the session expired (10 hours by default); the server enforces it.",
        "The client failed to get a fresh ticket to re-authenticate (TGT expired, KDC unreachable, password changed).",
    ],
    check: [
        "In the capture: a re-authentication SESSION_SETUP with the same SessionId should follow; if it fails, its status says why.",
        "Client: 'klist' (ticket end times). Windows DC: Kerberos policy 'Maximum lifetime for service ticket'; Samba AD DC: 'kdc:service ticket lifetime' in testparm -s.",
    ],
}
0xC000_000D "STATUS_INVALID_PARAMETER" {
    meaning: "A field of the request is invalid for this server. On SESSION_SETUP it means the server could not use the security buffer or the flags (a malformed or unsupported token, or session binding not allowed here); on other commands a bad offset, length, flag or info class.",
    causes: [
        "A SESSION_SETUP with a security blob the server cannot parse (a broken SPNEGO token, an unsupported mechanism).",
        "Session binding (SMB2_SESSION_FLAG_BINDING) to a session on a different dialect or without signing, or from a client the server does not allow.",
        "A NEGOTIATE with malformed or conflicting negotiate contexts (SMB 3.1.1).",
        "A CREATE or IOCTL with option combinations the server rejects, or a client bug in buffer offsets.",
    ],
    check: [
        "In the capture: the request's lengths and offsets against [MS-SMB2] 2.2; for SESSION_SETUP, decode the SPNEGO token (mechTypes) and the Flags field.",
        "Samba: 'log level = 10' for the failing request shows which check failed; Windows: Microsoft-Windows-SMBServer/Operational log.",
        "Update the client (old Linux cifs, embedded SMB stacks) if its request is malformed.",
    ],
}
0xC000_0022 "STATUS_ACCESS_DENIED" {
    meaning: "The server refused the operation for lack of permission. Where it comes tells why: on SESSION_SETUP a signing, encryption or guest policy; on TREE_CONNECT the share's permissions or the encryption requirement ([MS-SMB2] 3.3.5.7); on CREATE the NTFS/POSIX permissions of the file; on any request an unencrypted request to a session or share that requires encryption ([MS-SMB2] 3.3.5.2.9).",
    causes: [
        "Share-level permissions (Windows share ACL, Samba 'valid users', 'read only', 'hosts allow' per share) exclude the user.",
        "File system permissions (NTFS ACL, POSIX mode/ACL) deny the access asked for in DesiredAccess.",
        "The share or server requires encryption (Windows EncryptData/RejectUnencryptedAccess, Samba 'smb encrypt = required') and the client's dialect or settings cannot encrypt, e.g. SMB 2.x clients.",
        "The session is a guest or anonymous one and the share does not allow guests, or the server requires signing and a guest session cannot sign.",
        "An unsigned request on a connection where the server requires signing.",
    ],
    check: [
        "In the capture: which command failed (SESSION_SETUP, TREE_CONNECT or CREATE), the SessionFlags of the session (IS_GUEST, IS_NULL), the DesiredAccess of the CREATE, and whether requests are signed or encrypted.",
        "Windows: 'Get-SmbShareAccess share', 'icacls path', 'Get-SmbServerConfiguration | select EncryptData,RejectUnencryptedAccess,RequireSecuritySignature'; SMBServer/Security log.",
        "Samba: 'testparm -s' for the share (valid users, read only, smb encrypt, hosts allow, force user), the POSIX permissions of the path ('ls -ld', 'getfacl'), and 'log level = 3' in smbd.",
    ],
}
0xC000_00D0 "STATUS_REQUEST_NOT_ACCEPTED" {
    meaning: "The server accepts no more connections or sessions: a connection or user limit has been reached. On Windows client editions the limit is 20 concurrent inbound users; on TREE_CONNECT it can be a share's maximum user count.",
    causes: [
        "A Windows 10/11 machine used as a file server by more than 20 clients at once.",
        "A share with a user limit ('net share' shows Maximum users; Samba 'max connections').",
        "Session binding to a session on an SMB 2.x dialect, which the server does not accept.",
    ],
    check: [
        "Windows: 'net session' / 'Get-SmbSession' for how many clients are connected, 'Get-SmbShare share | select ConcurrentUserLimit'; use a server edition for more users.",
        "Samba: 'max connections' per share and 'smbstatus -S'.",
    ],
}
0xC000_00BB "STATUS_NOT_SUPPORTED" {
    meaning: "The server does not support what was asked. On NEGOTIATE it means client and server share no dialect ([MS-SMB2] 3.3.5.4); elsewhere an unsupported command, IOCTL, info class or feature.",
    causes: [
        "Dialect mismatch: an SMB1-only device against a server with SMB1 removed, or a server whose 'server min protocol' is above what the client offers.",
        "An FSCTL the server or its file system does not implement (e.g. server-side copy, sparse files, reparse points on Samba).",
        "An SMB 3 feature (multichannel, persistent handles) asked of a server without it.",
    ],
    check: [
        "In the capture: the dialects the client offered in NEGOTIATE and the one the server picked.",
        "Windows: 'Get-SmbServerConfiguration | select EnableSMB1Protocol,EnableSMB2Protocol'; Samba: 'server min protocol' and 'server max protocol' in testparm -s.",
        "For an IOCTL: its CtlCode, and whether the server's file system supports it.",
    ],
}
0xC05D_0000 "STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP" {
    meaning: "SMB 3.1.1 NEGOTIATE failed: the client's pre-authentication integrity context lists no hash algorithm the server supports ([MS-SMB2] 3.3.5.4).",
    causes: ["A client or server with a broken or non-standard SMB 3.1.1 negotiate context (only SHA-512 is defined)."],
    check: ["The NEGOTIATE request's SMB2_PREAUTH_INTEGRITY_CAPABILITIES context; update the client, or cap it at SMB 3.0.2 as a workaround."],
}
0xC05D_0001 "STATUS_SMB_BAD_CLUSTER_DIALECT" {
    meaning: "A clustered (scale-out or continuously available) share refused a tree connect because the connection's dialect is older than SMB 3.0.",
    causes: ["An SMB 2.x client (old OS, NAS, scanner) connecting to a share on a Windows failover cluster's scale-out file server."],
    check: ["The dialect in NEGOTIATE; use an SMB 3 capable client, or a non-clustered share for old devices."],
}
0xC05D_0002 "STATUS_SMB_GUEST_LOGON_BLOCKED" {
    meaning: "The Windows client itself refused to use a guest session the server offered: insecure guest logons are blocked by default on current Windows editions. Not seen on the wire: the server's SESSION_SETUP succeeded with IS_GUEST set, and the client dropped it.",
    causes: [
        "A NAS or Samba server mapping the user to guest (unknown user, or no password), and the client's 'Enable insecure guest logons' policy (Lanman Workstation; AllowInsecureGuestAuth) disabled, the default of Enterprise, Education and Server editions and of every edition since Windows 11 24H2 (KB4046019).",
        "Signing required on the client: a guest session cannot be signed.",
    ],
    check: [
        "Client: Microsoft-Windows-SMBClient/Security log, event 31017.",
        "Better than re-enabling guest access: give the share a real user. Samba: 'map to guest' and 'guest ok' in testparm -s; create the user with 'smbpasswd -a'.",
    ],
}
// ---------------------------------------------------------------- share and path
0xC000_00CC "STATUS_BAD_NETWORK_NAME" {
    meaning: "TREE_CONNECT failed: the server has no share by that name ([MS-SMB2] 3.3.5.7; SMB1: [MS-CIFS] 3.3.5.45), or (Samba) the share exists but its path cannot be used.",
    causes: [
        "A typo in the share name, or a hidden share (name$) given without its $.",
        "The share was removed or renamed, or is only defined on another cluster node or scope name.",
        "Samba: the share's 'path' does not exist or smbd cannot enter it (log: 'canonicalize_connect_path failed').",
        "Connecting to a DFS namespace name on a server that does not host it.",
    ],
    check: [
        "In the capture: the Path in the TREE_CONNECT request (\\\\server\\share).",
        "Windows: 'Get-SmbShare' or 'net share' on the server; for clusters 'Get-SmbShare -ScopeName *'.",
        "Samba: 'testparm -s' for the share section, 'ls -ld' on its path, the smbd log at 'log level = 3'; 'smbclient -L //server -U user' lists the shares.",
    ],
}
0xC000_00BE "STATUS_BAD_NETWORK_PATH" {
    meaning: "The network path cannot be found: the client could not resolve or reach the server named. Rarely sent by a server; usually a client-side result shown to the user (system error 53).",
    causes: [
        "The server name does not resolve (DNS, NetBIOS) or resolves to the wrong address.",
        "TCP 445 blocked by a firewall, or the Server service is not running.",
        "A DFS referral pointing at a target that does not exist.",
    ],
    check: [
        "'Resolve-DnsName server' and 'Test-NetConnection server -Port 445' from the client; on Linux 'nc -vz server 445'.",
        "Windows server: 'Get-Service LanmanServer'; Samba: 'systemctl status smbd' and 'ss -ltnp | grep 445'.",
    ],
}
0xC000_00C9 "STATUS_NETWORK_NAME_DELETED" {
    meaning: "The share or tree connect the request used is gone ([MS-SMB2] 3.3.5.2.11): the TreeId is no longer valid, typically because the share was deleted or the connection was torn down under the client.",
    causes: [
        "The share was removed or its settings reloaded while clients had it open.",
        "The server closed the tree connect (admin action, idle cleanup, failover).",
        "Network drops that make the client reuse state the server has already cleaned up.",
    ],
    check: [
        "In the capture: the TREE_CONNECT for this TreeId and anything closing it (TREE_DISCONNECT, TCP reset).",
        "Windows: SMBServer/Operational and Connectivity logs. Samba: smbd log around the time, share changes ('smbcontrol all reload-config').",
    ],
}
0xC000_00CB "STATUS_BAD_DEVICE_TYPE" {
    meaning: "The tree connect or operation named the wrong type of share (e.g. a file operation on a printer or IPC$ share).",
    causes: ["A client opening files on IPC$ or a print share, or a share type mismatch in an old client's TREE_CONNECT."],
    check: ["The ShareType in the TREE_CONNECT response and the share's type on the server ('net share', testparm -s)."],
}
0xC000_0034 "STATUS_OBJECT_NAME_NOT_FOUND" {
    meaning: "CREATE named a file that does not exist (the directory part of the path exists). Very common and often harmless: clients probe for desktop.ini, autorun.inf, thumbs.db, alternate data streams and files before creating them.",
    causes: [
        "The file does not exist, or the name differs in case on a case-sensitive Samba share.",
        "Client probing: Explorer and Office check for files they then create.",
        "A name with characters the server's file system stores differently (Samba 'mangled names', 'vfs objects = catia').",
    ],
    check: [
        "In the capture: the full Name in the CREATE and whether a later CREATE with FILE_CREATE succeeds (then it was a probe).",
        "Windows: 'Test-Path' on the server's local path; Samba: 'ls' in the share path, 'case sensitive' and 'mangled names' in testparm -s.",
    ],
}
0xC000_003A "STATUS_OBJECT_PATH_NOT_FOUND" {
    meaning: "CREATE failed because a directory in the path does not exist (the file's parent folder is missing).",
    causes: [
        "A missing or renamed folder in the path.",
        "A path relative to the wrong share, or a DFS path resolved on the wrong target.",
        "Case differences on a case-sensitive Samba share.",
    ],
    check: [
        "In the capture: the Name in the CREATE; check each folder exists on the server.",
        "Samba: 'case sensitive' and the path's directories ('ls -ld'). DFS: the referral the client used.",
    ],
}
0xC000_0033 "STATUS_OBJECT_NAME_INVALID" {
    meaning: "CREATE used a name the server's file system cannot accept (illegal characters, bad syntax, too long a component).",
    causes: [
        "Characters not allowed in Windows names (\\ / : * ? \" < > |) sent by a non-Windows client.",
        "A trailing space or dot, or a name longer than 255 characters.",
        "Samba: names that cannot be converted to the server's character set ('unix charset').",
    ],
    check: ["The Name in the CREATE request; Samba: 'vfs objects = catia' for mapping characters, 'unix charset' in testparm -s."],
}
0xC000_0039 "STATUS_OBJECT_PATH_INVALID" {
    meaning: "The path given is not valid as a path (bad syntax or an invalid component), so the server could not walk it.",
    causes: ["A malformed path from the client, or a component that is not a directory."],
    check: ["The Name in the CREATE request."],
}
0xC000_003B "STATUS_OBJECT_PATH_SYNTAX_BAD" {
    meaning: "The path syntax is wrong, e.g. a leading backslash in an SMB2 CREATE name (SMB2 names are relative to the share root).",
    causes: ["A client sending '\\dir\\file' instead of 'dir\\file' in SMB2 CREATE, or other malformed paths."],
    check: ["The Name in the CREATE request; a client update if it sends a leading separator."],
}
0xC000_0035 "STATUS_OBJECT_NAME_COLLISION" {
    meaning: "CREATE asked to create a file (FILE_CREATE) or rename onto a name that already exists.",
    causes: [
        "The file already exists and the client asked for create-new.",
        "A rename/move without ReplaceIfExists onto an existing name.",
        "Case-insensitive clash on a case-insensitive share (File.txt vs file.txt).",
    ],
    check: ["The CreateDisposition of the CREATE (FILE_CREATE = 2) or the SET_INFO FileRenameInformation with ReplaceIfExists; list the directory on the server."],
}
0xC000_00BA "STATUS_FILE_IS_A_DIRECTORY" {
    meaning: "The client asked to open a directory as a file (FILE_NON_DIRECTORY_FILE set), or to do a file operation on a directory.",
    causes: ["A name that is a folder where the client expects a file, e.g. an application opening a path with the wrong type."],
    check: ["The CreateOptions of the CREATE (FILE_NON_DIRECTORY_FILE) and what the name is on the server."],
}
0xC000_0103 "STATUS_NOT_A_DIRECTORY" {
    meaning: "The client asked to open a file as a directory (FILE_DIRECTORY_FILE set) or used a file as a directory in a path.",
    causes: ["A path component that is a file, or an application treating a file as a folder."],
    check: ["The CreateOptions (FILE_DIRECTORY_FILE) and the name's type on the server."],
}
0xC000_0101 "STATUS_DIRECTORY_NOT_EMPTY" {
    meaning: "A directory could not be deleted (or renamed over) because it still has entries.",
    causes: [
        "Files left in the folder, including hidden ones (thumbs.db, .DS_Store, ._ files from macOS).",
        "Samba: files hidden by 'veto files' without 'delete veto files = yes'.",
    ],
    check: ["List the directory on the server including hidden files; Samba: 'veto files' and 'delete veto files' in testparm -s."],
}
0xC000_0056 "STATUS_DELETE_PENDING" {
    meaning: "The file is marked for deletion (delete-on-close) and still open somewhere, so new opens fail until the last handle closes.",
    causes: [
        "Another client or process has the file open while it is being deleted.",
        "Antivirus or indexing holding a handle on a file being deleted.",
        "A client that set delete-on-close and has not closed yet.",
    ],
    check: [
        "Windows: 'Get-SmbOpenFile | where Path -like *name*' on the server; Sysinternals handle.exe for local processes.",
        "Samba: 'smbstatus -L' for open files and the process holding them.",
    ],
}
0xC000_000F "STATUS_NO_SUCH_FILE" {
    meaning: "QUERY_DIRECTORY with a search pattern found no match on the first query ([MS-SMB2] 3.3.5.18); also some servers use it for a file that does not exist.",
    causes: ["A wildcard or exact-name directory query for a name that does not exist; often a client's existence check."],
    check: ["The FileName pattern in the QUERY_DIRECTORY request. Usually harmless."],
}
0xC000_019C "STATUS_FS_DRIVER_REQUIRED" {
    meaning: "The server cannot handle the request without a file system component it does not have; most often the answer to FSCTL_DFS_GET_REFERRALS from a server that does not do DFS ([MS-SMB2] 3.3.5.15.2). Routine in that place.",
    causes: ["A client asking a non-DFS server or share for a DFS referral (clients do this when they see a path may be DFS)."],
    check: ["Nothing, if it answers a DFS referral IOCTL and the client goes on. If the path should be in a DFS namespace: 'dfsutil /root:\\\\domain\\ns /view' and the namespace service."],
}
0xC000_0257 "STATUS_PATH_NOT_COVERED" {
    meaning: "The path crosses a DFS link: this server does not hold that part of the namespace, and the client should ask for a DFS referral and go to the target ([MS-SMB2] 3.3.5.9). Expected on DFS shares; a problem only when the referral then fails.",
    causes: [
        "The client opened a path under a DFS link on the namespace server (normal).",
        "A client without DFS support (some Linux/embedded clients) that cannot follow it.",
    ],
    check: [
        "In the capture: the following IOCTL FSCTL_DFS_GET_REFERRALS and its response; the link targets must be reachable.",
        "Windows: 'dfsutil diag viewdfspath \\\\domain\\ns\\link', 'Get-DfsnFolderTarget'. Samba: 'msdfs root = yes' and the msdfs: symlinks.",
        "Linux client: mount.cifs without 'nodfs' and a kernel with CONFIG_CIFS_DFS_UPCALL.",
    ],
}
0xC000_0225 "STATUS_NOT_FOUND" {
    meaning: "The object asked for was not found. On FSCTL_DFS_GET_REFERRALS it means there is no DFS referral for that path - normal when the client probes a share that is not part of DFS.",
    causes: [
        "A DFS referral request for a non-DFS path or share (routine).",
        "A lookup of an object (named stream, quota entry, reparse data, object ID) that does not exist.",
    ],
    check: ["Which request it answers: for a DFS referral IOCTL nothing to fix unless the path should be in a namespace; otherwise the object named in the request."],
}
0xC000_0012 "STATUS_WRONG_VOLUME" {
    meaning: "The request went to a different volume than the one expected, e.g. a handle or path that now refers to another volume after a failover or remount.",
    causes: ["Storage changed under the share (remount, failover) while clients kept handles."],
    check: ["The server's storage events; reconnect the clients."],
}
// ---------------------------------------------------------------- sharing and access
0xC000_0043 "STATUS_SHARING_VIOLATION" {
    meaning: "CREATE failed because another open of the file has a share mode that excludes this one (or this open's ShareAccess excludes one already there). The classic 'file is in use'.",
    causes: [
        "Another user or application has the file open without FILE_SHARE_READ/WRITE (Office, databases, PST files).",
        "Antivirus, backup or indexing on the server holding the file.",
        "A stale handle from a disconnected client (durable handle) that the server still keeps.",
    ],
    check: [
        "In the capture: the DesiredAccess and ShareAccess of the failing CREATE.",
        "Windows: 'Get-SmbOpenFile | where Path -like *name*' (ClientComputerName, ClientUserName); 'Close-SmbOpenFile' if stale.",
        "Samba: 'smbstatus -L' (locked files, deny modes and the pid/user); 'lsof' on the server for local processes.",
    ],
}
0xC000_0055 "STATUS_LOCK_NOT_GRANTED" {
    meaning: "A byte-range LOCK with FAIL_IMMEDIATELY could not be granted because another open holds a conflicting lock ([MS-SMB2] 3.3.5.14). Applications often retry; repeated failures mean a real conflict.",
    causes: [
        "Another client holds the range (databases, Office lock files, multi-user applications).",
        "A lock left by a client that disconnected while its durable handle is kept.",
    ],
    check: [
        "Windows: 'Get-SmbOpenFile' for who has the file; Samba: 'smbstatus -B' (byte-range locks).",
        "In the capture: Offset/Length of the LOCK and other LOCKs on the same FileId.",
    ],
}
0xC000_0054 "STATUS_FILE_LOCK_CONFLICT" {
    meaning: "A READ or WRITE hit a byte range locked by another open (or an unlocked-range rule), so the I/O was refused.",
    causes: ["Another client holds a byte-range lock on the region (multi-user databases, Office)."],
    check: ["Windows: 'Get-SmbOpenFile'; Samba: 'smbstatus -B' and 'strict locking' in testparm -s."],
}
0xC000_007E "STATUS_RANGE_NOT_LOCKED" {
    meaning: "An UNLOCK named a byte range that this open does not hold locked.",
    causes: ["A client unlocking a range it never locked or already unlocked, or a lock lost after a reconnect."],
    check: [
        "In the capture: the LOCK requests on this FileId.",
        "Usually an application or client bug: update the application or the SMB client.",
    ],
}
0xC000_0061 "STATUS_PRIVILEGE_NOT_HELD" {
    meaning: "The operation needs a privilege the user's token on the server lacks (e.g. setting owner or SACL, backup/restore semantics).",
    causes: [
        "A client setting a security descriptor owner or SACL (robocopy /COPYALL, /B backup mode) without SeRestorePrivilege / SeSecurityPrivilege.",
        "Creating symbolic links without SeCreateSymbolicLinkPrivilege.",
    ],
    check: [
        "Which request failed (SET_INFO security, CREATE with ACCESS_SYSTEM_SECURITY).",
        "Windows: the user's rights (Backup Operators, 'Manage auditing and security log'); Samba: 'net sam rights list' / 'net rpc rights grant user SeRestorePrivilege'.",
    ],
}
0xC000_0121 "STATUS_CANNOT_DELETE" {
    meaning: "The file or directory cannot be deleted, typically because it is read-only or is in use in a way that forbids deletion.",
    causes: [
        "The read-only attribute is set (Samba maps it from the POSIX write bit, 'map readonly').",
        "The file is mapped or running (an executable in use) on the server.",
    ],
    check: ["The file's attributes on the server ('attrib', 'Get-Item'); Samba: 'map readonly', 'store dos attributes' and the file's mode."],
}
0xC000_00A2 "STATUS_MEDIA_WRITE_PROTECTED" {
    meaning: "The volume behind the share is read-only, so writes fail.",
    causes: [
        "Read-only storage (snapshot, read-only mount, a volume switched to read-only after errors).",
        "Samba: the file system mounted read-only (EROFS).",
    ],
    check: ["Windows: 'Get-Volume' and 'diskpart > attributes volume'; Linux: 'mount | grep ro,' and dmesg for file system errors."],
}
0xC000_007F "STATUS_DISK_FULL" {
    meaning: "There is no space left on the volume behind the share.",
    causes: ["The volume is full, or full for this file (e.g. a FAT32 4 GB limit surfaces as other errors)."],
    check: ["Windows: 'Get-Volume'; Linux: 'df -h' and 'df -i' (inodes) on the share path, and 'quota -u user' (Samba answers EDQUOT with this status); Samba: 'max disk size'."],
}
0xC000_0044 "STATUS_QUOTA_EXCEEDED" {
    meaning: "Not enough quota is available for the request: a quota of the server's resources, or on some servers the user's disk quota (Samba answers a disk quota, EDQUOT, with STATUS_DISK_FULL instead).",
    causes: [
        "NTFS or FSRM quota on the volume or folder reached (Windows may answer STATUS_DISK_QUOTA_EXCEEDED).",
        "A process or pool quota on the server.",
    ],
    check: ["Windows: 'fsutil quota query C:', FSRM ('Get-FsrmQuota'); Linux: 'quota -u user', 'repquota -a'."],
}
0xC000_0128 "STATUS_FILE_CLOSED" {
    meaning: "The FileId in the request names no open the server has: SMB2 servers answer a READ, WRITE, CLOSE, IOCTL and the like on an unknown FileId with this ([MS-SMB2] 3.3.5.x).",
    causes: [
        "The client used a handle after CLOSE (a race between threads), or after the server closed it on reconnect/failover.",
        "A durable or resilient handle that expired before the client reconnected.",
    ],
    check: ["In the capture: the CREATE that returned this FileId and the CLOSE or disconnect before the failing request."],
}
0xC000_0008 "STATUS_INVALID_HANDLE" {
    meaning: "The FileId is not valid on this session and tree: the server has no such open.",
    causes: [
        "The handle was closed, or belongs to another TreeId or session (a client bug).",
        "After a reconnect the client reused a handle that was not durable.",
    ],
    check: ["In the capture: where the FileId came from (which CREATE, which TreeId) and anything in between that closed it."],
}
0xC000_00E2 "STATUS_OPLOCK_NOT_GRANTED" {
    meaning: "The oplock or lease asked for could not be granted (another open conflicts). Usually the open still succeeds with a lower oplock level; as an error it comes from FSCTL oplock requests.",
    causes: ["Other opens of the file that conflict with the requested oplock or lease level."],
    check: ["Usually nothing. Samba: 'oplocks', 'kernel oplocks' and 'smb2 leases' in testparm -s."],
}
0xC000_00AC "STATUS_PIPE_NOT_AVAILABLE" {
    meaning: "A CREATE of a named pipe on IPC$ found no instance of the pipe available (the service behind it has none free or is not listening).",
    causes: [
        "The service behind the pipe (spoolss, srvsvc, lsarpc, a third-party service) is not running.",
        "All pipe instances busy.",
    ],
    check: ["The pipe name in the CREATE on IPC$; Windows: the service's status; Samba: 'rpc_server:' settings and samba-dcerpcd / rpcd_* processes."],
}
0xC000_00AE "STATUS_PIPE_BUSY" {
    meaning: "All instances of the named pipe are in use; the client should wait and retry.",
    causes: ["Many clients using the same RPC pipe at once, or a service slow to free instances."],
    check: [
        "In the capture: whether the client retries.",
        "The load of the service behind the pipe on the server.",
    ],
}
0xC000_00B0 "STATUS_PIPE_DISCONNECTED" {
    meaning: "The server end of the named pipe has disconnected (the service closed it), so reads and writes fail.",
    causes: ["The RPC service behind the pipe crashed or closed the connection, e.g. after a fault in the call."],
    check: [
        "The server's service/event logs (Windows), samba-dcerpcd or smbd logs (Samba).",
        "In the capture: the last RPC call on the pipe.",
    ],
}
0xC000_00B1 "STATUS_PIPE_CLOSING" {
    meaning: "The named pipe is being closed by the server side; no more data can be exchanged.",
    causes: ["The service ended the conversation (often after an RPC error)."],
    check: ["The last RPC request and response on the pipe; the service's logs."],
}
0xC000_014B "STATUS_PIPE_BROKEN" {
    meaning: "The other end of the named pipe went away (the process serving it exited), so the pipe is broken.",
    causes: ["The RPC server process crashed or restarted (Samba rpcd_* or samba-dcerpcd; a Windows service)."],
    check: ["Samba: the log of the rpcd process for the pipe ('log level = 3'), 'journalctl -u samba'. Windows: System and Application logs for service crashes."],
}
0xC000_00D9 "STATUS_PIPE_EMPTY" {
    meaning: "A read on a non-blocking named pipe found no data yet. Normal polling, not a failure.",
    causes: ["The client reads before the server has written its reply."],
    check: ["Nothing, unless it never gets data: then the service behind the pipe is stuck."],
}
0xC000_00AD "STATUS_INVALID_PIPE_STATE" {
    meaning: "The named pipe is not in a state that allows this operation (e.g. a transceive on a pipe not in message mode).",
    causes: ["A client using the pipe in the wrong mode, or a server-side pipe already disconnected."],
    check: [
        "In the capture: the IOCTL FSCTL_PIPE_TRANSCEIVE / READ sequence.",
        "Usually a client bug, or a service that closed its end of the pipe: the service's log on the server.",
    ],
}
0xC000_00D4 "STATUS_NOT_SAME_DEVICE" {
    meaning: "A rename or hard link tried to move a file to another share or volume; that cannot be done as a rename and the client must copy instead.",
    causes: ["Moving a file between two shares, or between volumes under one share (Samba with a mount point inside the share)."],
    check: ["The target path in SET_INFO FileRenameInformation; the mounts under the share path on the server."],
}
0xC000_00BD "STATUS_DUPLICATE_NAME" {
    meaning: "The name the client connected to is not one the server answers to: typically connecting to a Windows server by a DNS alias (CNAME) it does not know as its own name.",
    causes: [
        "A DNS alias for the server without the alias being registered on the server (strict name checking).",
        "A NetBIOS name conflict on the network.",
    ],
    check: [
        "Windows server: register the alias with 'netdom computername server /add:alias.domain' (adds SPNs and names) rather than turning off strict name checking; also 'setspn -S cifs/alias server' for Kerberos.",
    ],
}
0xC000_0205 "STATUS_INSUFF_SERVER_RESOURCES" {
    meaning: "The server lacks the resources (memory, work items, credits) to process the request.",
    causes: [
        "Server memory pressure (paged/nonpaged pool on Windows), or too many opens or sessions.",
        "IRPStackSize too small on old Windows servers with filter drivers.",
    ],
    check: ["Windows: Performance counters for pool usage, System log for srv2 events; Samba: memory of smbd processes, 'ulimit -n' for the number of open files."],
}
0xC000_009A "STATUS_INSUFFICIENT_RESOURCES" {
    meaning: "The server (or a component behind it) ran out of a resource such as memory or handles to complete the request.",
    causes: [
        "Memory pressure on the server, a leak in a filter driver or an smbd process.",
        "Limits on open files or locks (Samba 'max open files', the process's ulimit).",
    ],
    check: ["Windows: Task Manager / poolmon for pool usage; System log. Samba: 'smbstatus' counts, 'ulimit -n' for smbd, dmesg for OOM."],
}
// ---------------------------------------------------------------- network and protocol
0xC000_00CA "STATUS_NETWORK_ACCESS_DENIED" {
    meaning: "Network access is denied: the server refuses this client or user the connection or the share, regardless of file permissions.",
    causes: [
        "Share permissions or a host-based restriction (Samba 'hosts allow/deny' on a share, 'invalid users').",
        "Read-only share written to (some servers use this rather than ACCESS_DENIED).",
    ],
    check: ["Windows: 'Get-SmbShareAccess'; Samba: 'hosts allow', 'hosts deny', 'invalid users', 'read only' in testparm -s for the share."],
}
0xC000_00C3 "STATUS_INVALID_NETWORK_RESPONSE" {
    meaning: "The client received a response it could not accept (malformed, or failing a check such as signature or validate-negotiate); seen in client logs and in the application's error, not as a server's status.",
    causes: [
        "A server or middlebox (WAN optimizer, IPS) altering SMB traffic.",
        "An SMB implementation bug in a NAS answering outside the spec.",
        "Signing mismatch after a keying problem.",
    ],
    check: ["Compare the last response before the failure with [MS-SMB2] 2.2; try without the middlebox; Windows client: SMBClient/Connectivity log."],
}
0xC000_020D "STATUS_CONNECTION_RESET" {
    meaning: "The TCP connection was reset by the peer (a RST), so every outstanding SMB request on it fails. A client-side status: look at who sent the RST.",
    causes: [
        "The server process ended the connection (Samba smbd exit or crash; Windows on a protocol violation or signature failure).",
        "A firewall, load balancer or NAT device dropping idle or suspicious flows.",
        "The server rejecting the client at connect time (Samba 'hosts deny', too many connections).",
    ],
    check: [
        "In the capture: which side sent the TCP RST and what was the last SMB message before it.",
        "Samba: the client's log file (log.<client>) and 'journalctl -u smbd' for a panic; Windows: SMBServer/Operational and Connectivity logs.",
    ],
}
0xC000_020C "STATUS_CONNECTION_DISCONNECTED" {
    meaning: "The transport connection was closed (FIN) or lost while requests were outstanding.",
    causes: [
        "The server closed the connection (idle timeout, shutdown, admin action).",
        "Network interruption, Wi-Fi roaming, VPN drop.",
    ],
    check: ["In the capture: the FIN/RST and the last SMB exchange; server logs at that time; client's SMBClient/Connectivity log."],
}
0xC000_0236 "STATUS_CONNECTION_REFUSED" {
    meaning: "The server refused the TCP connection (port closed): nothing is listening on 445 (or 139) at that address.",
    causes: [
        "The SMB server service is stopped (LanmanServer, smbd), or the port is blocked by a host firewall that rejects.",
        "Connecting to the wrong address (a stale DNS record).",
    ],
    check: ["'Test-NetConnection server -Port 445' or 'nc -vz server 445'; 'ss -ltnp | grep 445' on Samba; 'Get-Service LanmanServer' on Windows."],
}
0xC000_023C "STATUS_NETWORK_UNREACHABLE" {
    meaning: "The client has no route to the server's network.",
    causes: ["A routing, VPN or interface problem on the client side."],
    check: ["'route print' / 'ip route get SERVER-IP' on the client; VPN status."],
}
0xC000_023D "STATUS_HOST_UNREACHABLE" {
    meaning: "The server's host could not be reached (no answer to ARP, ICMP host unreachable).",
    causes: ["The server is down or on an unreachable segment; a firewall answering with host unreachable."],
    check: ["'ping' and 'Test-NetConnection server -Port 445' from the client; the server's network status."],
}
0xC000_00B5 "STATUS_IO_TIMEOUT" {
    meaning: "A request got no answer in time: the client gave up on the server (Windows' SessionTimeout, 60 s by default), or the server gave up on storage or another client.",
    causes: [
        "A server or storage stall (slow disk, antivirus scanning large files, backup snapshots).",
        "Network loss that leaves requests unanswered without a reset.",
        "An oplock or lease break that the holding client never acknowledges.",
    ],
    check: [
        "In the capture: the request that timed out and how long since it was sent; interim STATUS_PENDING responses keep a request alive.",
        "Windows client: 'Get-SmbClientConfiguration | select SessionTimeout'; server: storage latency counters. Samba: 'smbstatus' and the smbd log for long operations; 'oplock break wait time'.",
    ],
}
0xC000_0120 "STATUS_CANCELLED" {
    meaning: "The request was cancelled before it completed. Normally the answer to the client's own SMB2 CANCEL, most often of a pending CHANGE_NOTIFY or blocking LOCK - routine.",
    causes: [
        "The client sent SMB2 CANCEL (navigating away, closing a window, a lock wait abandoned).",
        "The server cancelled pending work because the session or connection is going away.",
    ],
    check: ["In the capture: an SMB2 CANCEL with the same MessageId or AsyncId before it. Without one, look at what ended the session or connection."],
}
0xC000_0010 "STATUS_INVALID_DEVICE_REQUEST" {
    meaning: "The request is not valid for this kind of object or server, e.g. an IOCTL/FSCTL the target does not support, or a file operation on a pipe.",
    causes: [
        "An FSCTL the server or file system does not implement (Samba for some FSCTLs, or FSCTL on a named pipe).",
        "An IOCTL without SMB2_0_IOCTL_IS_FSCTL where the server expects it.",
    ],
    check: [
        "Whether the share's file system supports the IOCTL; Samba: 'vfs objects' that add FSCTL support.",
        "In the capture: the CtlCode of the IOCTL.",
    ],
}
0xC000_0004 "STATUS_INFO_LENGTH_MISMATCH" {
    meaning: "The buffer for a QUERY_INFO / SET_INFO / QUERY_DIRECTORY is smaller than the fixed part of the information class, so nothing can be returned.",
    causes: ["A client asking with too small an OutputBufferLength or sending a SET_INFO buffer of the wrong size (a client bug)."],
    check: ["The FileInfoClass and buffer length of the request against [MS-FSCC] 2.4."],
}
0xC000_0023 "STATUS_BUFFER_TOO_SMALL" {
    meaning: "The output buffer is too small for any of the result; the error response's data usually carries the size needed (e.g. for a security descriptor), and the client retries with a bigger buffer.",
    causes: ["A first QUERY_INFO for a security descriptor or a big attribute with a small buffer (a routine two-step pattern)."],
    check: ["Nothing, if the client retries with the size given. Otherwise a client bug."],
}
0xC000_0003 "STATUS_INVALID_INFO_CLASS" {
    meaning: "The information class in QUERY_INFO / SET_INFO / QUERY_DIRECTORY is not supported by the server.",
    causes: ["A client using an information class the server (often Samba or a NAS) does not implement."],
    check: ["The FileInfoClass in the request; update the server or the client."],
}
0xC000_0002 "STATUS_NOT_IMPLEMENTED" {
    meaning: "The server does not implement this request, information class or function.",
    causes: ["A client feature the server lacks (an FSCTL, an info class, a command in an old server)."],
    check: [
        "The server's version and documentation: whether it implements the request.",
        "In the capture: which request it answers.",
    ],
}
0xC000_00E5 "STATUS_INTERNAL_ERROR" {
    meaning: "The server hit an internal error it has no better code for. Samba uses it for many unexpected failures.",
    causes: [
        "Samba: an unexpected error from the file system or a VFS module, or an internal inconsistency.",
        "Windows: a failure in a filter driver or in the server itself.",
    ],
    check: ["Samba: the smbd log at 'log level = 10' for the failing request; Windows: System log around the time."],
}
0xC000_A000 "STATUS_INVALID_SIGNATURE" {
    meaning: "A signature did not verify: with SMB, a signed message whose signature is wrong, which the receiver treats as tampering or a keying error.",
    causes: [
        "Client and server derived different signing keys (a bug, or a session key problem after re-authentication).",
        "A middlebox modifying signed SMB traffic.",
    ],
    check: [
        "Try without middleboxes; Windows client: SMBClient/Security log.",
        "In the capture: the dialect and signing algorithm (SMB 3.1.1 SIGNING_CAPABILITIES).",
    ],
}
0xC000_0467 "STATUS_FILE_NOT_AVAILABLE" {
    meaning: "The file is temporarily unavailable, e.g. during a cluster failover or on a continuously available share while handles are being recovered; the client should retry.",
    causes: ["A scale-out file server or CA share moving between nodes, or a resume key/handle recovery in progress."],
    check: [
        "Cluster events at that time (Get-ClusterLog).",
        "In the capture: the client's retries.",
    ],
}
0xC000_0466 "STATUS_SERVER_UNAVAILABLE" {
    meaning: "The server is not available for this request right now, typically a cluster node that is moving or not serving the share; the client should retry elsewhere or later.",
    causes: ["A Windows failover cluster role in transition; a scale-out file server node being drained."],
    check: [
        "Cluster role state ('Get-ClusterGroup'), Witness service events.",
        "In the capture: the client's retries.",
    ],
}
0xC000_0480 "STATUS_SHARE_UNAVAILABLE" {
    meaning: "The share exists but is temporarily unavailable (e.g. a clustered share during failover).",
    causes: ["A clustered or CA share that is offline on this node."],
    check: ["'Get-SmbShare -ScopeName *' and the cluster role's state."],
}
}
