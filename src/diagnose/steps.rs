//! Next steps for a refused logon that name the Windows and the Samba
//! command alike, with the account's name in them. The capture seldom says
//! which the server or its domain controller is (the version in an NTLMSSP
//! CHALLENGE hints at it, and a Kerberos logon has none), so a step for one
//! of them only would send half the readers to the wrong tool.

use crate::ntstatus::NtStatus as S;

use super::platform::{Kind, Platform};

/// A user name as a command's argument: the name itself when it is a plain
/// one (letters, digits, '.', '_', '-', '$'), "USER" otherwise. A Kerberos
/// principal gives its name without the realm.
pub(super) fn user_arg(user: Option<&str>) -> &str {
    let Some(u) = user.map(|u| u.split('@').next().unwrap_or(u)) else {
        return "USER";
    };
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '$');
    if !u.is_empty() && u.chars().all(plain) {
        u
    } else {
        "USER"
    }
}

/// A domain name as a command's argument: the name itself when it is a
/// plain one (letters, digits, '.', '_', '-'), "DOMAIN" otherwise.
pub(super) fn domain_arg(domain: Option<&str>) -> &str {
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    match domain {
        Some(d) if !d.is_empty() && d.chars().all(plain) => d,
        _ => "DOMAIN",
    }
}

/// `'DOMAIN\user'` for a Unix shell: in single quotes, or bash drops the
/// backslash (`wbinfo -i DOMAIN\user` asks for "DOMAINuser"). The domain
/// as [`domain_arg`] gives it, the user as [`user_arg`].
pub(super) fn account_arg(domain: Option<&str>, user: Option<&str>) -> String {
    format!("'{}\\{}'", domain_arg(domain), user_arg(user))
}

/// What to do for a logon refused with `status` (an NTSTATUS, an SMB1 DOS
/// error read as the NTSTATUS it stands for) of `user` of `domain` (the
/// AUTHENTICATE's DomainName) from `workstation`, on Windows and on Samba;
/// `None` for a status without such a step.
pub(super) fn logon_next(
    status: S,
    user: Option<&str>,
    domain: Option<&str>,
    workstation: Option<&str>,
) -> Option<String> {
    let u = user_arg(user);
    Some(match status {
        S::LOGON_FAILURE | S::WRONG_PASSWORD => "The server's log says whether the user is unknown or the password wrong: Windows, Security event 4625 on the server, Sub Status 0xC0000064 (no such user) or 0xC000006A (wrong password), and event 4776 on the DC for a domain account; Samba, its log with 'log level = 1 auth_audit:2', NT_STATUS_NO_SUCH_USER or NT_STATUS_WRONG_PASSWORD.".to_string(),
        S::NO_SUCH_USER => format!("Check that {u} exists where the server looks: Windows, 'Get-ADUser {u}' or 'Get-LocalUser {u}'; Samba, 'samba-tool user show {u}' (AD DC), wbinfo -i {} (member), 'pdbedit -L' (standalone).", account_arg(domain, user)),
        S::ACCOUNT_DISABLED => format!("Enable the account if it should log on: Windows, 'Enable-ADAccount {u}' (a local account: 'net user {u} /active:yes'); Samba, 'samba-tool user enable {u}' (AD DC) or 'smbpasswd -e {u}' (standalone)."),
        S::ACCOUNT_LOCKED_OUT => format!("Find the client that keeps sending a bad password, then unlock the account: Windows, event 4740 on the PDC emulator names the caller computer, 'Unlock-ADAccount {u}'; Samba AD, 'samba-tool user show {u}' (badPwdCount, lockoutTime), 'samba-tool user unlock {u}'; standalone, 'pdbedit -Lv {u}', 'pdbedit -z -u {u}'."),
        S::ACCOUNT_EXPIRED => format!("Extend or clear the account's expiry date if it should log on: Windows, 'Set-ADAccountExpiration {u} -DateTime DATE' or 'Clear-ADAccountExpiration {u}'; Samba AD, 'samba-tool user setexpiry {u} --days=N' or '--noexpiry'."),
        S::PASSWORD_EXPIRED | S::PASSWORD_MUST_CHANGE => format!("The password must be changed before a network logon works: the user changes it (Windows: Ctrl+Alt+Del, Change a password; Linux: 'kpasswd {u}'), or an administrator sets a new one (Windows: 'Set-ADAccountPassword {u} -Reset'; Samba: 'samba-tool user setpassword {u}' on an AD DC, 'smbpasswd {u}' standalone)."),
        S::ACCOUNT_RESTRICTION => format!("Is {u} in Protected Users (Samba AD, 'samba-tool group listmembers \"Protected Users\"'; Windows, 'Get-ADPrincipalGroupMembership {u}')? Then log on with Kerberos (connect by the server's name, with a ticket), not NTLM. Else give an empty password a value, or look for an authentication policy ('Get-ADUser {u} -Properties msDS-AssignedAuthNPolicy')."),
        S::INVALID_LOGON_HOURS => format!("Let the account log on at this hour, or log on within its hours: Windows, the account's Logon Hours ('Get-ADUser {u} -Properties logonHours', stored in UTC); Samba AD, 'samba-tool user show {u} --attributes=logonHours'. Check the DC's clock too."),
        S::INVALID_WORKSTATION => {
            let from = match workstation {
                Some(w) if !w.is_empty() => format!("Add {w} to the computers {u} may log on from, or log on from one of them"),
                _ => format!("The client sent no workstation name, which a 'Log On To' list cannot match: log on from a client that sends one, or lift the restriction of {u}"),
            };
            format!("{from}: Windows, 'Log On To' in the account's properties ('Get-ADUser {u} -Properties LogonWorkstations', 'Set-ADUser {u} -LogonWorkstations'); Samba AD, the userWorkstations attribute ('samba-tool user show {u} --attributes=userWorkstations', 'samba-tool user edit {u}').")
        }
        _ => return None,
    })
}

/// What to do for a logon refused as a wrong password or an unknown user
/// by a server the capture shows to be Samba ([`Platform`]): its own log
/// first, not Windows' events. smbd logs a failed authentication at
/// auth_audit level 2 (AUTH_FAILURE_LEVEL in auth/auth_log.c; a
/// successful one at 3), so 'log level = 1 auth_audit:2' adds only those
/// lines to an otherwise quiet log; its domain controller, when the
/// account is a domain one, logs it the same way (Samba AD) or as events
/// 4776 and 4625 (Windows). A `standalone` server (its NTLM CHALLENGE
/// names itself as its domain) asked no domain controller.
pub(super) fn samba_logon_failure_next(server: &Platform, standalone: bool) -> String {
    let dc = if standalone {
        "It is standalone: there is no domain controller to look at."
    } else {
        "For a domain account, the domain controller decides: a Samba AD DC logs it the same way; a Windows DC, event 4776 (Security log)."
    };
    format!("The server states Samba ({}): its log says whether the user is unknown or the password wrong, with 'log level = 1 auth_audit:2' in [global] (failed authentications are logged at auth_audit level 2), NT_STATUS_NO_SUCH_USER or NT_STATUS_WRONG_PASSWORD on the line with the user. {dc}", server.shown)
}

/// What to do when the server answered STATUS_NO_LOGON_SERVERS: check,
/// on the server, its way to a domain controller of `domain` (the domain
/// its NTLM CHALLENGE names, filled into the commands; "DOMAIN" when the
/// capture names none), with the Windows commands, the Samba ones, or
/// both, as the capture shows the server ([`Platform`]).
pub(super) fn no_logon_servers_next(server: &Platform, domain: Option<&str>) -> String {
    let d = domain.unwrap_or("DOMAIN");
    let windows = format!("'nltest /dsgetdc:{d}' and 'nltest /sc_query:{d}' on the server (a broken secure channel: 'nltest /sc_reset:{d}' or 'Test-ComputerSecureChannel -Repair'); Netlogon events 5719 and 5783 in its System log; 'nslookup -type=SRV _ldap._tcp.dc._msdcs.{d}' from it");
    let samba = format!("'wbinfo --ping-dc', 'wbinfo -t', 'net ads info' and 'net ads lookup' on the server; 'systemctl status winbind'; 'host -t SRV _ldap._tcp.dc._msdcs.{d}' with the resolver of /etc/resolv.conf");
    if server.windows() {
        format!(
            "The server ({}, Windows) could not reach a domain controller of {d}: {windows}.",
            server.shown
        )
    } else if server.samba() {
        format!(
            "The server ({}, Samba) could not reach a domain controller of {d}: {samba}.",
            server.shown
        )
    } else {
        format!("Check the server's way to a domain controller of {d}: Windows, {windows}. Samba, {samba}.")
    }
}

/// Where a Windows security policy is set: the Group Policy editor's
/// path, and Local Security Policy (secpol.msc) on one computer.
const SECURITY_OPTIONS: &str =
    "Computer Configuration\\Windows Settings\\Security Settings\\Local Policies\\Security Options";

/// What makes an SMB server require signing, by what the capture shows
/// of it ([`Platform`]): Windows, the Group Policy security option and
/// its PowerShell equivalent; Samba, smb.conf; impacket's smbserver.py,
/// which has no such option; both of the first two when the capture does
/// not tell. Each applies to SMB1 and SMB2 alike (smb.conf(5) 'server
/// signing'; the Windows option is LanmanServer's RequireSecuritySignature,
/// which its SMB1 and SMB2 servers both read).
pub(super) fn server_signing_step(server: &Platform) -> String {
    let policy = format!("Group Policy 'Microsoft network server: Digitally sign communications (always)' = Enabled ({SECURITY_OPTIONS})");
    let windows =
        format!("{policy}, or 'Set-SmbServerConfiguration -RequireSecuritySignature $true'");
    const SAMBA: &str = "'server signing = mandatory' in smb.conf's [global]";
    if server.impacket() {
        return format!("The server states impacket ({}): its smbserver.py has no setting to require signing. If it is not a test server of your own, find out who runs it: impacket's server is a tool of NTLM capture and relay attacks.", server.shown);
    }
    // Windows NT 5.x has the policy, not the SMB PowerShell cmdlets.
    let texts = [
        (Kind::LegacyWindows, policy.as_str()),
        (Kind::Windows, &windows),
        (Kind::Samba, SAMBA),
    ];
    format!("Require signing on the server{}.", server.per_os(&texts))
}

/// What makes an SMB client require signing (`require`) or stop requiring
/// it, by what the capture shows of it ([`Platform`]); both Windows' and
/// Samba's (with a Linux cifs mount's) when it does not tell.
pub(super) fn client_signing_step(client: &Platform, require: bool) -> String {
    let (state, ps, samba, cifs) = if require {
        (
            "Enabled",
            "$true",
            "'client signing = required' in smb.conf (smbclient: --client-protection=sign)",
            "'-o sign'",
        )
    } else {
        (
            "Disabled",
            "$false",
            "'client signing = desired' in smb.conf, smbclient without --client-protection=sign or encrypt",
            "no 'sign' option",
        )
    };
    let policy = format!("Group Policy 'Microsoft network client: Digitally sign communications (always)' = {state} ({SECURITY_OPTIONS})");
    let windows =
        format!("{policy}, or 'Set-SmbClientConfiguration -RequireSecuritySignature {ps}'");
    let texts = [
        (Kind::LegacyWindows, policy.as_str()),
        (Kind::Windows, &windows),
        (Kind::Samba, samba),
        (Kind::LinuxCifs, cifs),
    ];
    format!("the client{}", client.per_os(&texts))
}

/// Windows' setting that refuses LM and NTLMv1 responses (on a server
/// for its local accounts, on a domain controller for the domain's), or,
/// `client_only`, makes a client send NTLMv2 only: the security option
/// 'Network security: LAN Manager authentication level', stored as
/// LmCompatibilityLevel (5 and 3).
pub(super) fn lm_level(client_only: bool) -> String {
    let (value, level) = if client_only {
        ("'Send NTLMv2 response only' or stricter", "3 or more")
    } else {
        ("'Send NTLMv2 response only. Refuse LM & NTLM'", "5")
    };
    format!("Group Policy 'Network security: LAN Manager authentication level' = {value} ({SECURITY_OPTIONS}; registry LmCompatibilityLevel = {level} under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa)")
}

/// What to check when a KDC refused an account (KDC_ERR_CLIENT_REVOKED)
/// without saying why.
pub(super) fn account_check(user: Option<&str>) -> String {
    let u = user_arg(user);
    format!("Check the account: Samba AD, 'samba-tool user show {u}' (userAccountControl, lockoutTime, accountExpires, logonHours); Windows, 'Get-ADUser {u} -Properties Enabled,LockedOut,AccountExpirationDate,LogonHours,LogonWorkstations' (event 4740 on the PDC emulator for a lockout).")
}

#[cfg(test)]
mod tests {
    use super::super::platform::Kind;
    use super::*;

    #[test]
    fn user_arg_is_a_plain_name_or_user() {
        assert_eq!(user_arg(Some("erin")), "erin");
        assert_eq!(user_arg(Some("erin@SAMPLES.SMBSCOPE.TEST")), "erin");
        assert_eq!(user_arg(Some("HOST$")), "HOST$");
        assert_eq!(user_arg(Some("ålice")), "ålice");
        assert_eq!(user_arg(Some("bob smith")), "USER");
        assert_eq!(user_arg(Some("a'b")), "USER");
        assert_eq!(user_arg(Some("")), "USER");
        assert_eq!(user_arg(None), "USER");
    }

    /// A DOMAIN\\user argument reaches the command as typed: quoted, so a
    /// shell keeps its backslash; a name a quote could break is replaced.
    #[test]
    fn account_arg_is_quoted_for_a_shell() {
        assert_eq!(
            account_arg(Some("SAMPLES"), Some("mallory")),
            "'SAMPLES\\mallory'"
        );
        assert_eq!(account_arg(None, Some("mallory")), "'DOMAIN\\mallory'");
        assert_eq!(account_arg(Some("a'b"), Some("x y")), "'DOMAIN\\USER'");
        assert_eq!(domain_arg(Some("")), "DOMAIN");
        let n = logon_next(S::NO_SUCH_USER, Some("erin"), Some("CORP"), None).unwrap();
        assert!(n.contains(" wbinfo -i 'CORP\\erin' (member)"), "{n}");
    }

    fn p(kind: Kind) -> Platform {
        Platform {
            kind,
            shown: crate::diagnose::platform::Shown::Text("SHOWN".to_string()),
        }
    }

    /// Each OS is told its own setting: Windows the Group Policy security
    /// option (with its cmdlet, but not on NT 5.x, which has none), Samba
    /// smb.conf, impacket that it has none; an unknown side both.
    #[test]
    fn signing_steps_follow_the_os() {
        const SERVER: &str = "'Microsoft network server: Digitally sign communications (always)' = Enabled (Computer Configuration\\Windows Settings\\Security Settings\\Local Policies\\Security Options)";
        const CLIENT: &str =
            "'Microsoft network client: Digitally sign communications (always)' = Disabled";
        let w = server_signing_step(&p(Kind::Windows));
        assert!(
            w.contains(SERVER) && w.contains("Set-SmbServerConfiguration"),
            "{w}"
        );
        assert!(!w.contains("smb.conf"), "{w}");
        let l = server_signing_step(&p(Kind::LegacyWindows));
        assert!(l.contains(SERVER) && !l.contains("Set-Smb"), "{l}");
        let s = server_signing_step(&p(Kind::Samba));
        assert!(
            s.contains("'server signing = mandatory'") && !s.contains("Microsoft"),
            "{s}"
        );
        let i = server_signing_step(&p(Kind::Impacket));
        assert!(i.contains("no setting to require signing"), "{i}");
        let u = server_signing_step(&p(Kind::Unknown));
        assert!(
            u.contains(SERVER) && u.contains("'server signing = mandatory'"),
            "{u}"
        );
        let c = client_signing_step(&p(Kind::Windows), false);
        assert!(
            c.contains(CLIENT) && c.contains("-RequireSecuritySignature $false"),
            "{c}"
        );
        assert!(!c.contains("smb.conf"), "{c}");
        let c = client_signing_step(&p(Kind::Samba), true);
        assert!(
            c.contains("'client signing = required'") && !c.contains("Microsoft"),
            "{c}"
        );
        let c = client_signing_step(&p(Kind::Unknown), true);
        assert!(c.contains("= Enabled") && c.contains("'-o sign'"), "{c}");
        assert!(lm_level(false).contains("'Send NTLMv2 response only. Refuse LM & NTLM' ("));
        assert!(lm_level(false).contains(
            "LmCompatibilityLevel = 5 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa"
        ));
        assert!(lm_level(true).contains("LmCompatibilityLevel = 3 or more"));
    }

    #[test]
    fn every_logon_step_names_windows_and_samba() {
        for st in [
            S::LOGON_FAILURE,
            S::WRONG_PASSWORD,
            S::NO_SUCH_USER,
            S::ACCOUNT_DISABLED,
            S::ACCOUNT_LOCKED_OUT,
            S::ACCOUNT_EXPIRED,
            S::PASSWORD_EXPIRED,
            S::PASSWORD_MUST_CHANGE,
            S::INVALID_LOGON_HOURS,
            S::INVALID_WORKSTATION,
            S::ACCOUNT_RESTRICTION,
        ] {
            let n = logon_next(st, Some("erin"), None, Some("PC1")).expect("a step");
            assert!(n.contains("Windows") && n.contains("Samba"), "{st}: {n}");
            assert!(!n.starts_with("In the capture"), "{st}: {n}");
        }
        assert!(logon_next(S::ACCESS_DENIED, None, None, None).is_none());
        let n = logon_next(S::INVALID_WORKSTATION, Some("ivan"), None, None).unwrap();
        assert!(n.starts_with("The client sent no workstation name"), "{n}");
        let n = account_check(Some("erin@R"));
        assert!(n.contains("'samba-tool user show erin'"), "{n}");
    }
}
