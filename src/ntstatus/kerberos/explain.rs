//! Our explanations of the Kerberos error codes a troubleshooter meets when a
//! SESSION_SETUP with Kerberos fails. The KDC errors are seen on port 88
//! between the client and a domain controller (and in the DC's events 4768,
//! 4769 and 4771, in hex); the KRB_AP_ERR errors come back from the SMB server
//! inside the SPNEGO token of a SESSION_SETUP response. A Windows KDC puts
//! the underlying NTSTATUS in the KRB-ERROR's e-data (KERB-EXT-ERROR).

use crate::ntstatus::Explanation;

explained! {
i32;
1 "KDC_ERR_NAME_EXP" {
    meaning: "The client's account has expired in the KDC's database (RFC 4120 7.5.9): an MIT or Heimdal KDC's principal expiration date is past. Active Directory (Windows and Samba) answers an expired account with KDC_ERR_CLIENT_REVOKED instead, and the NTSTATUS in the e-data says STATUS_ACCOUNT_EXPIRED.",
    causes: ["The principal's expiration date ('kadmin getprinc': Expiration date) is past, on purpose or left from a template."],
    check: [
        "MIT: 'kadmin -q \"getprinc user\"', then 'modprinc -expire never user' (or a new date); Heimdal: 'kadmin -l get user', 'kadmin -l modify --expiration-time=never user'.",
        "Active Directory: 'Get-ADUser user -Properties AccountExpirationDate'; Samba AD: 'samba-tool user show user' (accountExpires), 'samba-tool user setexpiry user --noexpiry'.",
    ],
}
2 "KDC_ERR_SERVICE_EXP" {
    meaning: "The account of the service the client asked a ticket for has expired in the KDC's database (RFC 4120 7.5.9), so the KDC issues no ticket for it; an MIT or Heimdal KDC says so, Active Directory has no expiry on service accounts of this kind.",
    causes: ["The service principal (cifs/host, host/host) has an expiration date in the past."],
    check: ["MIT: 'kadmin -q \"getprinc cifs/host\"' and 'modprinc -expire never cifs/host'; Heimdal: 'kadmin -l get cifs/host'."],
}
3 "KDC_ERR_BAD_PVNO" {
    meaning: "The KDC does not support the Kerberos protocol version of the request: its pvno is not 5 (RFC 4120 5.9.1 and 7.5.9). Every Kerberos 5 client sends 5, so the request was not Kerberos 5, or was damaged.",
    causes: [
        "A Kerberos 4 client or another protocol sent to port 88.",
        "A broken or hostile request (a scanner, a fuzzer, a middlebox that rewrites packets).",
    ],
    check: ["In the capture: the pvno of the request and which program on the client sent it (its source port, 'ss -tunp' on the client)."],
}
6 "KDC_ERR_C_PRINCIPAL_UNKNOWN" {
    meaning: "The KDC does not know the client principal: the user name (or UPN) in the AS-REQ is not an account in that realm. Windows event 4768 with result 0x6.",
    causes: [
        "A typo in the user name, or the wrong realm (user@OTHER.REALM asked of this KDC).",
        "The account was deleted or renamed, while a cached credential or keytab still uses the old name.",
        "A UPN suffix that is not registered in the forest.",
    ],
    check: [
        "In the capture: the cname and realm of the AS-REQ (port 88).",
        "Windows: 'Get-ADUser -Filter \"userPrincipalName -eq 'x'\"'; Samba AD: 'samba-tool user show user'.",
        "Client: 'klist' for the principal in use; Linux: /etc/krb5.conf default_realm.",
    ],
}
7 "KDC_ERR_S_PRINCIPAL_UNKNOWN" {
    meaning: "The KDC has no account with the service principal name the client asked a ticket for (e.g. cifs/server.example.com). The client cannot use Kerberos for that server and usually falls back to NTLM - or fails if NTLM is blocked.",
    causes: [
        "Connecting by IP address or by a DNS alias that has no SPN (cifs/alias is not registered on the server's account).",
        "The server's computer account lacks the host/cifs SPN (a Samba or NAS join that did not register it).",
        "A name resolving to a different host than the one the SPN belongs to, or a DNS suffix mismatch.",
    ],
    check: [
        "In the capture: the sname in the TGS-REQ.",
        "'setspn -Q cifs/name' (Windows) or 'samba-tool spn list SERVER$' (Samba AD); add an alias with 'setspn -S cifs/alias SERVER' or 'netdom computername'.",
        "Samba member: 'net ads keytab list' and 'net ads setspn list'.",
    ],
}
8 "KDC_ERR_PRINCIPAL_NOT_UNIQUE" {
    meaning: "More than one account holds the requested principal name (a duplicate SPN or UPN), so the KDC will not choose.",
    causes: ["The same SPN registered on two accounts (an old and a new computer object, a service account and the computer)."],
    check: ["'setspn -X' lists duplicate SPNs; Windows DC System log: KDC event 11. Remove the wrong one with 'setspn -D'."],
}
9 "KDC_ERR_NULL_KEY" {
    meaning: "The client's or the service's account has no key (a null key) in the KDC's database, so the KDC cannot encrypt the reply or the ticket (RFC 4120 7.5.9).",
    causes: [
        "An account created without a password or keys (MIT 'addprinc -nokey'), or a computer account whose password was never set.",
        "Keys removed or lost in a database migration.",
    ],
    check: ["MIT: 'kadmin -q \"getprinc name\"' lists the keys; give it some with 'cpw -randkey name' (a service, then export its keytab again) or 'cpw name'. Active Directory: reset the account's password ('Reset-ComputerMachinePassword' on the computer, 'net ads changetrustpw' on a Samba member)."],
}
10 "KDC_ERR_CANNOT_POSTDATE" {
    meaning: "The client asked for a postdated ticket (the POSTDATED or ALLOW-POSTDATE option, a start time in the future) and the ticket it gave may not be postdated: a TGT without the MAY-POSTDATE flag (RFC 4120 2.4, 3.3.3, 7.5.9). Samba's KDC refuses postdating with KDC_ERR_POLICY instead.",
    causes: [
        "'kinit -s TIME' or a scheduler asking for a ticket valid later, with a TGT not got with -A/allow_postdate.",
        "A KDC or account that does not allow postdated tickets.",
    ],
    check: [
        "In the capture: the kdc-options and the from time of the request.",
        "Get a TGT that may be postdated ('kinit -A'), or a ticket valid now (kinit without -s); MIT: the principal's allow_postdated attribute ('kadmin getprinc').",
    ],
}
11 "KDC_ERR_NEVER_VALID" {
    meaning: "The ticket asked for would end before it starts: the requested start time is later than the end time (RFC 4120 3.1.3, 7.5.9), usually because the client's clock or its requested lifetime is wrong.",
    causes: [
        "A client clock far ahead of the KDC's, or a postdated request whose start is after the TGT's end.",
        "A ticket lifetime or renew time set to zero or negative in the client's configuration.",
    ],
    check: [
        "In the capture: the from, till and rtime of the request against the KDC's stime in the KRB-ERROR.",
        "The client's clock ('timedatectl', 'w32tm /query /status') and ticket_lifetime in krb5.conf.",
    ],
}
12 "KDC_ERR_POLICY" {
    meaning: "The KDC's policy refused the request even though the credentials may be right: a logon restriction on the account (workstation list, logon hours, smart card required) or an authentication policy or silo.",
    causes: [
        "'Log On To' workstation restrictions that do not include the client.",
        "Logon hours, smart card required, or an authentication policy/silo that excludes this client or service.",
        "Protected Users restrictions (no delegation, no DES/RC4).",
        "A request for a postdated ticket (ALLOW-POSTDATE/POSTDATED, e.g. kinit -s) to a KDC that does not allow postdating: a Samba AD DC refuses every one (e-text 'Ticket may not be postdate').",
    ],
    check: [
        "Windows DC: event 4768/4771 with 0xC; the e-data NTSTATUS (e.g. STATUS_INVALID_WORKSTATION, STATUS_INVALID_LOGON_HOURS).",
        "'Get-ADUser user -Properties LogonWorkstations,logonHours,SmartcardLogonRequired'; 'Get-ADAuthenticationPolicy'.",
    ],
}
13 "KDC_ERR_BADOPTION" {
    meaning: "The KDC cannot grant an option the client asked for; in Windows domains usually a delegation request (S4U2Self/S4U2Proxy, forwardable ticket) that the accounts are not allowed.",
    causes: [
        "Constrained delegation: the front-end service is not allowed to delegate to this SPN (msDS-AllowedToDelegateTo), or resource-based delegation not set on the back end.",
        "The user is 'sensitive and cannot be delegated' or in Protected Users, so no forwardable ticket.",
        "A client asking for a renewable/forwardable ticket the policy does not allow.",
    ],
    check: [
        "In the capture: the kdc-options of the TGS-REQ (forwardable, cname-in-addl-tkt for S4U).",
        "'Get-ADComputer/Get-ADUser front -Properties msDS-AllowedToDelegateTo,TrustedToAuthForDelegation'; 'Get-ADComputer back -Properties PrincipalsAllowedToDelegateToAccount'.",
        "'Get-ADUser user -Properties AccountNotDelegated'.",
    ],
}
14 "KDC_ERR_ETYPE_NOSUPP" {
    meaning: "The KDC has no key in an encryption type both the client and the target account support, so it cannot issue the ticket (RFC 4120 3.1.3 and 7.5.9). A Windows KDC also answers so to DES pre-authentication or a DES-encrypted TGT, and to DES or RC4 pre-authentication of a member of Protected Users ([MS-KILE] 3.3.5.6, 3.3.5.7).",
    causes: [
        "The client asks only for types the account has no key in: a krb5.conf limited to DES, DES3 or RC4 (default_tkt_enctypes, permitted_enctypes), while the DC keeps AES keys (a Samba AD DC has no DES3 key at all).",
        "RC4 or DES disabled on the client or DC while an account only has keys of that type (password not changed since AES was introduced, or msDS-SupportedEncryptionTypes limits it).",
        "A Linux/Samba client or keytab limited to types the domain no longer allows.",
        "The krbtgt or a trust account lacking AES keys.",
    ],
    check: [
        "In the capture: the etype list of the AS-REQ/TGS-REQ.",
        "Windows DC System log: KDC events 14, 16 and 27 name the account without a suitable key; 'Get-ADUser/Get-ADComputer x -Properties msDS-SupportedEncryptionTypes'. Resetting the account's password creates AES keys.",
        "Linux: 'klist -ke' for keytab key types; permitted_enctypes in /etc/krb5.conf; Samba: 'kerberos encryption types'.",
    ],
}
15 "KDC_ERR_SUMTYPE_NOSUPP" {
    meaning: "The KDC does not support the checksum type of the request's authenticator or of a PA-DATA (RFC 4120 7.5.9): the client signed with a type the KDC does not accept.",
    causes: [
        "A client limited to old checksum types (DES-based or RSA-MD4/MD5) by its krb5.conf or library, against a KDC that no longer allows them.",
        "A client library with a bug in the checksum of its TGS-REQ.",
    ],
    check: ["The client's krb5.conf (allow_weak_crypto, permitted_enctypes) and library version; the same user with another client (MIT kinit, Windows) shows whether the client is at fault."],
}
16 "KDC_ERR_PADATA_TYPE_NOSUPP" {
    meaning: "The KDC does not support the pre-authentication type the client used; with Windows typically a smart card (PKINIT) logon to a DC without a KDC certificate.",
    causes: [
        "PKINIT attempted and the DC has no Domain Controller / Kerberos Authentication certificate.",
        "A FAST armor or pre-auth method the KDC does not offer.",
    ],
    check: ["On the DC: 'certutil -dcinfo verify' and the DC's certificate; the padata types in the AS-REQ."],
}
18 "KDC_ERR_CLIENT_REVOKED" {
    meaning: "The client's credentials are revoked: the account is disabled, locked out or expired, or outside its logon hours or allowed workstations. Windows event 4768/4771 with 0x12. A Windows KDC says which with an NTSTATUS in the KRB-ERROR's e-data (e.g. 0xC0000234 locked out, 0xC0000072 disabled, 0xC000006F logon hours); not every KDC sends one.",
    causes: [
        "The account is locked out after bad passwords.",
        "The account is disabled or expired.",
    ],
    check: [
        "In the capture: the e-data of the KRB-ERROR (a KERB-EXT-ERROR status, if the KDC sent one).",
        "'Get-ADUser user -Properties Enabled,LockedOut,AccountExpirationDate'; event 4740 on the PDC for the lockout source.",
        "Samba AD: 'samba-tool user show user' (userAccountControl, lockoutTime, accountExpires).",
    ],
}
19 "KDC_ERR_SERVICE_REVOKED" {
    meaning: "The credentials of the target service are revoked: the service's account is disabled or locked, so no ticket is issued for it.",
    causes: ["The computer or service account that holds the SPN is disabled (a decommissioned server, an old object with the same SPN)."],
    check: ["'setspn -Q cifs/server' to find the account, then 'Get-ADComputer X -Properties Enabled'."],
}
20 "KDC_ERR_TGT_REVOKED" {
    meaning: "The TGT presented in a TGS-REQ is no longer acceptable, e.g. because the user's account changed (disabled, password reset by admin) or the krbtgt key it was issued with is gone.",
    causes: [
        "The krbtgt password was reset twice (both old keys gone) while clients held TGTs.",
        "The user's account was disabled or its credentials revoked after the TGT was issued.",
        "A read-only DC TGT presented to a DC that cannot use it.",
    ],
    check: ["On the client: 'klist purge' and log on again; on DCs: recent krbtgt resets ('Get-ADUser krbtgt -Properties PasswordLastSet')."],
}
21 "KDC_ERR_CLIENT_NOTYET" {
    meaning: "The client's account is not yet valid: its start date in the KDC's database is in the future (RFC 4120 7.5.9). An MIT or Heimdal KDC says so; Active Directory has no such date.",
    causes: [
        "A principal created with a future start ('valid from') date.",
        "The KDC's clock behind the date the account was made valid from.",
    ],
    check: ["MIT: 'kadmin -q \"getprinc user\"' (the principal's start date, set with 'modprinc'); Heimdal: 'kadmin -l get user' (valid start); and the KDC's clock."],
}
22 "KDC_ERR_SERVICE_NOTYET" {
    meaning: "The service's account is not yet valid: its start date in the KDC's database is in the future (RFC 4120 7.5.9), so no ticket is issued for it yet.",
    causes: ["A service principal created with a future start date, or a KDC clock behind it."],
    check: ["MIT: 'kadmin -q \"getprinc cifs/host\"'; Heimdal: 'kadmin -l get cifs/host'; and the KDC's clock."],
}
23 "KDC_ERR_KEY_EXPIRED" {
    meaning: "The user's password has expired (or must be changed at next logon), so the KDC issues no TGT until it is changed. Windows event 4768/4771 with 0x17.",
    causes: [
        "The password reached the maximum password age.",
        "'User must change password at next logon' is set.",
    ],
    check: [
        "'Get-ADUser user -Properties PasswordExpired,PasswordLastSet,pwdLastSet'; have the user change the password (kpasswd on Linux).",
        "Samba AD: 'samba-tool user show user' and 'samba-tool domain passwordsettings show'.",
    ],
}
24 "KDC_ERR_PREAUTH_FAILED" {
    meaning: "The pre-authentication data (the timestamp encrypted with the user's password key) did not decrypt: the password is wrong. Windows event 4771 with failure code 0x18; it counts toward lockout.",
    causes: [
        "A wrong or old password (saved credential, service, mapped drive after a password change).",
        "A keytab on a Linux/Samba client with an old key (kvno) for a machine or service account.",
        "A salt mismatch after a rename (the key was derived from the old principal name).",
    ],
    check: [
        "DC event 4771: Client Address shows which machine sends the bad password.",
        "Windows client: 'cmdkey /list'; Linux: 'kinit user' with the current password, 'klist -ke' for keytab kvno versus the account's msDS-KeyVersionNumber.",
    ],
}
25 "KDC_ERR_PREAUTH_REQUIRED" {
    meaning: "Normal: the client's first AS-REQ had no pre-authentication, and the KDC answers with this error listing the methods and salts it accepts (ETYPE-INFO2). The client then sends a second AS-REQ with PA-ENC-TIMESTAMP.",
    causes: ["The first round of every password-based Kerberos logon."],
    check: ["Nothing, if a second AS-REQ follows. If none follows, the client had no password or key to use (look at the client's credential setup)."],
}
26 "KDC_ERR_SERVER_NOMATCH" {
    meaning: "The requested server and the ticket do not match, e.g. in a user-to-user or S4U request where the additional ticket is for a different principal.",
    causes: ["A client or service building a U2U/S4U request with the wrong additional ticket."],
    check: [
        "In the capture: the sname and additional-tickets of the TGS-REQ.",
        "Update the client or service that builds the request.",
    ],
}
27 "KDC_ERR_MUST_USE_USER2USER" {
    meaning: "The server principal can only be reached with user-to-user Kerberos: its SPN is on an account without a long-term key for a normal service ticket.",
    causes: ["An SPN registered on a user account (or an account without a usable key) instead of the account that runs the service."],
    check: ["'setspn -Q spn' to see which account holds it; move the SPN to the service's real account."],
}
28 "KDC_ERR_PATH_NOT_ACCEPTED" {
    meaning: "A cross-realm ticket came through realms the KDC's policy does not accept (the transited path, RFC 4120 3.3.3.2 and 7.5.9): a trust the path needs is missing or not allowed.",
    causes: [
        "A cross-realm ([capaths]) path through a realm the KDC does not trust.",
        "A forest or external trust that does not allow this direction, or selective authentication.",
    ],
    check: ["MIT: the [capaths] section of krb5.conf on the KDC and client; Windows: 'Get-ADTrust -Filter *', 'netdom trust' and the trust's direction and authentication; Samba AD: 'samba-tool domain trust list'."],
}
29 "KDC_ERR_SVC_UNAVAILABLE" {
    meaning: "The KDC cannot serve the request right now (it is starting up, its database or a required service is unavailable). The client should try another KDC.",
    causes: [
        "A DC still starting, or its directory service not ready.",
        "A read-only DC that cannot reach a writable DC for the request.",
    ],
    check: ["The DC's Directory Service and System logs; 'dcdiag /test:services'; Samba AD: 'samba-tool drs showrepl' and the samba log."],
}
31 "KRB_AP_ERR_BAD_INTEGRITY" {
    meaning: "A decrypted message failed its integrity check: the key used to decrypt was not the one used to encrypt. In a TGS-REQ, the TGT or authenticator could not be verified.",
    causes: [
        "The krbtgt or service key changed between issuing and use.",
        "A corrupted or tampered message (rare); a middlebox altering Kerberos traffic.",
    ],
    check: ["'klist purge' on the client and retry; check recent password resets on the service account or krbtgt."],
}
32 "KRB_AP_ERR_TKT_EXPIRED" {
    meaning: "The ticket has expired. Usually routine: the client gets a new ticket and retries. A problem only if it cannot (TGT also expired, KDC unreachable).",
    causes: [
        "A long-lived connection re-authenticating with an expired service ticket.",
        "A clock difference making valid tickets look expired on the server.",
    ],
    check: [
        "Get a new ticket: Windows, 'klist purge' (or lock and unlock the session); Linux, 'kinit'. If fresh tickets are refused too, compare the clocks of client, server and KDC.",
        "In the capture: a new TGS-REQ (and AS-REQ, if the TGT expired) should follow.",
    ],
}
33 "KRB_AP_ERR_TKT_NYV" {
    meaning: "The ticket is not yet valid: its start time is in the future for the server, a sign of clocks out of sync.",
    causes: ["The server's clock is behind the KDC's."],
    check: [
        "Compare time on server, client and DC ('w32tm /stripchart /computer:DC', 'chronyc tracking') and fix the clock that is off (w32tm /resync; chronyc makestep); then discard the tickets and get new ones ('klist purge' on Windows; 'kdestroy', then 'kinit', on Linux): a cached ticket stays not yet valid after the clocks are fixed.",
    ],
}
34 "KRB_AP_ERR_REPEAT" {
    meaning: "The server's replay cache has seen this authenticator before, so it refuses it as a possible replay.",
    causes: [
        "Several services or nodes sharing one key and replay cache seeing the same authenticator (load-balanced services).",
        "A client resending the same AP-REQ, or clock problems making authenticators collide.",
    ],
    check: [
        "For Linux services, the replay cache settings (KRB5RCACHETYPE); load-balanced nodes sharing one key.",
        "In the capture: whether the same AP-REQ appears twice.",
    ],
}
35 "KRB_AP_ERR_NOT_US" {
    meaning: "The ticket is not for this server: the service principal in the ticket is not the one the server accepts as its own.",
    causes: [
        "The client resolved the name to a different server than the one the SPN belongs to (DNS alias, wrong A record).",
        "The server does not accept tickets for an alias name it answers to.",
    ],
    check: ["'klist' on the client for the SPN used; 'setspn -Q cifs/name'; on Samba, 'net ads keytab list' should contain that SPN."],
}
36 "KRB_AP_ERR_BADMATCH" {
    meaning: "The ticket and the authenticator do not belong together (different client names), so the server rejects the request.",
    causes: ["A client bug, or a ticket used by a different principal than it was issued to."],
    check: ["The cname in the ticket versus the authenticator; purge the client's ticket cache ('klist purge')."],
}
37 "KRB_AP_ERR_SKEW" {
    meaning: "The clocks of the client and the server (or KDC) differ by more than the allowed skew, 5 minutes by default, so the authenticator's timestamp is rejected. The KRB-ERROR carries the server's time; Windows clients may retry once with a corrected time.",
    causes: [
        "The client, server or DC is not syncing time (stopped NTP/W32Time, VM time sync conflicts).",
        "A wrong time zone on a system whose clock is set in local time.",
    ],
    check: [
        "In the capture: the stime in the KRB-ERROR against the client's time.",
        "Windows: 'w32tm /query /status', 'w32tm /stripchart /computer:DC /samples:3'; Linux: 'chronyc tracking' or 'timedatectl'; 'net ads info' shows the DC's time offset.",
    ],
}
38 "KRB_AP_ERR_BADADDR" {
    meaning: "The ticket carries client addresses and the request came from another address, so the server rejects it.",
    causes: ["Address-bound tickets (rare with Windows) used through NAT or from a different interface."],
    check: ["Linux clients: 'noaddresses = true' in /etc/krb5.conf; the caddr field of the ticket."],
}
41 "KRB_AP_ERR_MODIFIED" {
    meaning: "The server could not decrypt the service ticket with its key: the ticket was encrypted with a key the server does not have. The classic result of an SPN on the wrong account or a server key out of sync.",
    causes: [
        "The SPN (cifs/server) is registered on a different account than the one the server uses (duplicate SPN, a service account holding it).",
        "The server's machine password or keytab is out of date (restored VM, Samba keytab not refreshed after a password change).",
        "The client reached a different server than the name's account (DNS alias pointing elsewhere).",
    ],
    check: [
        "'setspn -Q cifs/server' and 'setspn -X'; the Windows client's System log: Security-Kerberos event 4 ('the Kerberos client received a KRB_AP_ERR_MODIFIED error').",
        "Samba: 'klist -ke /etc/krb5.keytab' kvno versus 'samba-tool user show SERVER$ --attributes=msDS-KeyVersionNumber' or 'kvno cifs/server'; 'net ads keytab create'.",
        "Test-ComputerSecureChannel on a Windows server; 'net ads testjoin' on Samba.",
    ],
}
44 "KRB_AP_ERR_BADKEYVER" {
    meaning: "The server has no key of the version (kvno) the ticket was encrypted with: its keytab is older or newer than the account's key in AD.",
    causes: [
        "A Samba or Linux service whose keytab was not updated after the machine or service account password changed.",
        "A keytab exported with ktpass that reset the password again later.",
    ],
    check: ["'klist -ke /etc/krb5.keytab' versus the account's msDS-KeyVersionNumber ('kvno cifs/host' shows the KDC's); regenerate with 'net ads keytab create' or a new ktpass export."],
}
45 "KRB_AP_ERR_NOKEY" {
    meaning: "The service has no key for this ticket at all (missing principal or encryption type in its keytab).",
    causes: [
        "A keytab without the ticket's SPN or encryption type (e.g. only RC4 keys and an AES ticket).",
        "Samba: 'kerberos method' not using the keytab the SPN is in.",
    ],
    check: ["'klist -ke' on the server for the SPN and enctype of the ticket; Samba: 'kerberos method' and 'dedicated keytab file' in testparm -s."],
}
46 "KRB_AP_ERR_MUT_FAIL" {
    meaning: "Mutual authentication failed: the client could not verify the server's AP-REP, so it cannot trust the server's identity.",
    causes: ["The server answered with a key different from the ticket's session key (a keytab or SPN mix-up, a proxy in between)."],
    check: ["The AP-REP in the SESSION_SETUP response; SPN ownership ('setspn -Q') and the server's keytab."],
}
42 "KRB_AP_ERR_BADORDER" {
    meaning: "A KRB-PRIV or KRB-SAFE message came out of order (RFC 4120 7.5.9): in SMB seen from a password change (kpasswd) or another application using those messages, not from a logon.",
    causes: ["A replayed or reordered message, a network device that reorders, or a client bug."],
    check: ["Retry the operation; if it comes back, update the client's Kerberos library or test with another client (MIT kpasswd, Windows)."],
}
48 "KRB_AP_ERR_METHOD" {
    meaning: "The server wants another authentication method than the one the client used (RFC 4120 7.5.9); the KRB-ERROR's e-data names the METHOD-DATA.",
    causes: ["A service that requires another method (e.g. a smart card or a second factor) for this client."],
    check: ["In the capture: the e-data of the KRB-ERROR; the service's authentication requirements."],
}
49 "KRB_AP_ERR_BADSEQ" {
    meaning: "A message carried an unexpected sequence number (RFC 4120 3.4.1, 7.5.9): after the AP exchange, the two sides disagree on the sequence numbers of KRB-SAFE/KRB-PRIV messages or GSS-API tokens.",
    causes: ["A lost, replayed or reordered message; a client or server bug in sequence numbering."],
    check: ["Retry; a repeated error points at one side's library: update it, or test with another client."],
}
50 "KRB_AP_ERR_INAPP_CKSUM" {
    meaning: "The checksum in the message is of a type the receiver does not accept there (RFC 4120 7.5.9): in a TGS-REQ, the checksum of the authenticator or of the PA-TGS-REQ is missing, of the wrong type for the key, or did not verify with that type. The client's Kerberos code builds the request in a way this KDC refuses; the password and the account are not the problem.",
    causes: [
        "A client library whose TGS-REQ authenticator lacks the checksum of the request body, which a Samba AD DC requires (e.g. impacket 0.10 against a Samba 4.17 AD DC).",
        "A KDC that insists on a checksum type the client does not use (old DES/MD5 checksums disabled).",
    ],
    check: [
        "Use a client whose Kerberos requests this KDC accepts (MIT kinit and smbclient, Windows), or a version of the failing library that fixes its checksum; the same user and service with another client tell whether the KDC or the client is at fault.",
        "The KDC's log: Samba, 'log level = 3' (or 'kerberos:3'); Windows, the System log's Kerberos-Key-Distribution-Center events.",
    ],
}
52 "KRB_ERR_RESPONSE_TOO_BIG" {
    meaning: "Normal: the KDC's answer does not fit in a UDP datagram, so the client must repeat the request over TCP. Common with users in many groups (large PAC).",
    causes: ["A reply bigger than the UDP limit (users in many groups, large PACs)."],
    check: ["Nothing, if a TCP connection to port 88 follows. If it does not, TCP 88 is blocked between client and DC."],
}
60 "KRB_ERR_GENERIC" {
    meaning: "An unspecified Kerberos error; the real reason is in the KRB-ERROR's e-text or, with Windows, in the NTSTATUS in its e-data.",
    causes: [
        "Windows KDC errors that map to no Kerberos code (e.g. the account's group membership too large, or a PAC validation problem).",
        "Samba/Heimdal KDC failures, explained in e-text.",
    ],
    check: [
        "The DC's System log (Kerberos-Key-Distribution-Center events); Samba: the KDC's log ('log level = 3').",
        "In the capture: the e-text and e-data (KERB-EXT-ERROR NTSTATUS) of the KRB-ERROR.",
    ],
}
61 "KRB_ERR_FIELD_TOOLONG" {
    meaning: "A field of the request is too long for the KDC's implementation (RFC 4120 7.5.9); over TCP also the answer to a request longer than the KDC accepts (RFC 4120 7.2.2).",
    causes: [
        "A user in very many groups, whose ticket (with its PAC) exceeds the limits of the KDC or the client.",
        "A client or KDC with a smaller limit than its peer.",
    ],
    check: [
        "In the capture: the size of the request and of the ticket it carries.",
        "The user's group count ('whoami /groups' as the user on Windows, 'id user' on Linux): fewer memberships make a smaller ticket; MIT KDC: max request size is not configurable, a newer KDC accepts more.",
    ],
}
62 "KDC_ERROR_CLIENT_NOT_TRUSTED" {
    meaning: "In a PKINIT (smart card / certificate) logon, the KDC does not trust the client's certificate.",
    causes: ["The issuing CA is not in the NTAuth store or not trusted by the DC; the certificate is expired or revoked."],
    check: ["'certutil -viewstore -enterprise NTAuth' on a DC; CAPI2 log; the certificate's chain and validity."],
}
63 "KDC_ERROR_KDC_NOT_TRUSTED" {
    meaning: "In a PKINIT logon, the client does not trust the KDC's certificate.",
    causes: ["The DC's certificate chains to a CA the client does not trust, or lacks the KDC EKU."],
    check: ["Client: the Trusted Root store and CAPI2 log; DC: 'certutil -dcinfo verify'."],
}
66 "KDC_ERR_CERTIFICATE_MISMATCH" {
    meaning: "In a PKINIT logon, the certificate does not match the account or request (e.g. mapping fails).",
    causes: ["The certificate maps to a different account than the one requested; strong certificate mapping enforcement."],
    check: ["The certificate's SAN/UPN and SID extension; 'Get-ADUser user -Properties altSecurityIdentities'; DC Kerberos-Key-Distribution-Center events 39-41."],
}
68 "KDC_ERR_WRONG_REALM" {
    meaning: "The KDC refers the client to another realm: the principal belongs elsewhere. With enterprise names (user@upn-suffix) and name canonicalization this is a normal referral that the client follows; a problem only if the client cannot reach or trust the other realm.",
    causes: [
        "The user's UPN suffix belongs to another domain in the forest or a trusted forest (normal referral).",
        "The client asked the wrong domain's KDC because of its realm configuration.",
    ],
    check: [
        "Linux: [domain_realm] and dns_lookup_realm in /etc/krb5.conf.",
        "In the capture: the crealm in the KRB-ERROR and whether the client then asks that realm's KDC.",
    ],
}
69 "KRB_AP_ERR_USER_TO_USER_REQUIRED" {
    meaning: "The service requires user-to-user authentication; a normal service ticket is not enough.",
    causes: ["The service runs under a user account whose key it does not hold, and asks for U2U tickets."],
    check: ["Which account holds the SPN ('setspn -Q'); configure the service with a proper service account or keytab."],
}
70 "KDC_ERR_CANT_VERIFY_CERTIFICATE" {
    meaning: "In a PKINIT logon, the KDC could not verify the client certificate (chain or revocation check failed).",
    causes: ["The CRL or OCSP endpoint is unreachable from the DC; an intermediate CA certificate missing."],
    check: ["'certutil -verify -urlfetch user.cer' on the DC; CAPI2 operational log."],
}
75 "KDC_ERR_CLIENT_NAME_MISMATCH" {
    meaning: "In a PKINIT logon, the name in the client certificate does not match the client principal in the request.",
    causes: ["The certificate's UPN differs from the account's userPrincipalName, or it was issued to another user."],
    check: ["The certificate SAN and the account's UPN; DC Kerberos-Key-Distribution-Center events."],
}
90 "KDC_ERR_PREAUTH_EXPIRED" {
    meaning: "The pre-authentication data is too old (e.g. a FAST or encrypted-challenge exchange that took too long), so the client must start again.",
    causes: ["Slow round trips or clock drift during a multi-step pre-authentication."],
    check: [
        "Clock sync on client and DC.",
        "In the capture: the time between the AS-REQs.",
    ],
}
91 "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED" {
    meaning: "Normal in multi-round pre-authentication (FAST): the KDC needs another round of pre-authentication data from the client.",
    causes: ["A multi-step pre-authentication mechanism in progress."],
    check: ["Nothing, if the client sends the next AS-REQ."],
}
93 "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS" {
    meaning: "The client's FAST request set a critical option the KDC does not know (RFC 6113 5.4.1), so the KDC refused it rather than ignore it.",
    causes: ["A client asking for a FAST option (RFC 6113) that this KDC does not implement, e.g. a newer client against an older KDC."],
    check: ["The client's and KDC's versions; turn off FAST on the client to test (MIT: no armor ccache with kinit -T; Windows: the 'Kerberos client support for claims, compound authentication and Kerberos armoring' policy)."],
}
}
