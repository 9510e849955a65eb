//! What Linux's SMB client, cifs.ko, makes of an NTSTATUS: the errno its
//! SMB2/SMB3 code returns, the one `mount -t cifs` reports as "mount
//! error(13): Permission denied" (cifs-utils mount.cifs prints
//! `mount error(%d): %s` with errno and strerror(errno)).
//!
//! Source: `smb2_error_map_table` in fs/smb/client/smb2maperror.c of Linux
//! 6.7-rc1 (torvalds/linux 3bf3e21c15d4). `map_smb2_to_linux_error` returns
//! the errno of the first entry with the status, and -EIO for a status the
//! table lacks. [`MAP`] holds, copied by hand, every entry whose errno is not
//! EIO (145 of them), under the code [`super::TABLE`] gives the
//! kernel's name (the tests check that every name is there with that code);
//! every other status is EIO. An SMB1 mount (`vers=1.0`) maps through
//! fs/smb/client/netmisc.c (NTSTATUS to DOS error to errno) instead: not here.
//! Errno numbers are Linux's (include/uapi/asm-generic/errno-base.h,
//! errno.h); texts are glibc's strerror.

use serde::Serialize;

/// A Linux errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Errno {
    pub number: u16,
    /// "EACCES".
    pub name: &'static str,
    /// glibc's strerror: "Permission denied".
    pub text: &'static str,
}

macro_rules! errnos {
    ($($name:ident = $number:literal $text:literal;)*) => {
        $(
            #[doc = concat!($text, ".")]
            pub const $name: Errno = Errno { number: $number, name: stringify!($name), text: $text };
        )*
        /// Every errno named here, by number: those of [`MAP`], EIO, and
        /// EINPROGRESS and EHOSTUNREACH (from the TCP connect, no status).
        pub static ERRNOS: &[Errno] = &[$($name),*];
    };
}

errnos! {
    ENOENT = 2 "No such file or directory";
    EIO = 5 "Input/output error";
    E2BIG = 7 "Argument list too long";
    EBADF = 9 "Bad file descriptor";
    EAGAIN = 11 "Resource temporarily unavailable";
    EACCES = 13 "Permission denied";
    EFAULT = 14 "Bad address";
    EBUSY = 16 "Device or resource busy";
    EEXIST = 17 "File exists";
    EXDEV = 18 "Invalid cross-device link";
    ENODEV = 19 "No such device";
    ENOTDIR = 20 "Not a directory";
    EISDIR = 21 "Is a directory";
    EINVAL = 22 "Invalid argument";
    EMFILE = 24 "Too many open files";
    ENOSPC = 28 "No space left on device";
    EROFS = 30 "Read-only file system";
    EMLINK = 31 "Too many links";
    EPIPE = 32 "Broken pipe";
    ENAMETOOLONG = 36 "File name too long";
    ENOSYS = 38 "Function not implemented";
    ENOTEMPTY = 39 "Directory not empty";
    ENODATA = 61 "No data available";
    EREMOTE = 66 "Object is remote";
    ENOTUNIQ = 76 "Name not unique on network";
    EREMCHG = 78 "Remote address changed";
    EOPNOTSUPP = 95 "Operation not supported";
    EADDRINUSE = 98 "Address already in use";
    ENETUNREACH = 101 "Network is unreachable";
    ENETRESET = 102 "Network dropped connection on reset";
    ECONNABORTED = 103 "Software caused connection abort";
    ENOBUFS = 105 "No buffer space available";
    ESHUTDOWN = 108 "Cannot send after transport endpoint shutdown";
    ETIMEDOUT = 110 "Connection timed out";
    ECONNREFUSED = 111 "Connection refused";
    EHOSTDOWN = 112 "Host is down";
    EHOSTUNREACH = 113 "No route to host";
    EINPROGRESS = 115 "Operation now in progress";
    EREMOTEIO = 121 "Remote I/O error";
    EDQUOT = 122 "Disk quota exceeded";
    EKEYEXPIRED = 127 "Key has expired";
    EKEYREVOKED = 128 "Key has been revoked";
}

/// (NTSTATUS, errno) for every entry of smb2_error_map_table whose errno is
/// not EIO, sorted by code; the comment is the kernel's name.
static MAP: &[(u32, Errno)] = &[
    (0x00000102, ETIMEDOUT),    // STATUS_TIMEOUT
    (0x00000202, EROFS),        // STATUS_RESOURCEMANAGER_READ_ONLY
    (0x4000000C, ETIMEDOUT),    // STATUS_SERIAL_COUNTER_TIMEOUT
    (0x40000027, ENOSYS),       // STATUS_CARDBUS_NOT_SUPPORTED
    (0x80000005, E2BIG),        // STATUS_BUFFER_OVERFLOW
    (0x80000006, ENODATA),      // STATUS_NO_MORE_FILES
    (0x80000011, EBUSY),        // STATUS_DEVICE_BUSY
    (0x80000013, EINVAL),       // STATUS_INVALID_EA_NAME
    (0x80000015, EINVAL),       // STATUS_INVALID_EA_FLAG
    (0x8000002D, EOPNOTSUPP),   // STATUS_STOPPED_ON_SYMLINK
    (0x801C0001, ENOBUFS),      // STATUS_FLT_BUFFER_TOO_SMALL
    (0xC0000002, EOPNOTSUPP),   // STATUS_NOT_IMPLEMENTED
    (0xC0000005, EACCES),       // STATUS_ACCESS_VIOLATION
    (0xC0000006, EFAULT),       // STATUS_IN_PAGE_ERROR
    (0xC0000007, EDQUOT),       // STATUS_PAGEFILE_QUOTA
    (0xC0000008, EBADF),        // STATUS_INVALID_HANDLE
    (0xC000000D, EINVAL),       // STATUS_INVALID_PARAMETER
    (0xC000000E, ENODEV),       // STATUS_NO_SUCH_DEVICE
    (0xC000000F, ENOENT),       // STATUS_NO_SUCH_FILE
    (0xC0000010, EOPNOTSUPP),   // STATUS_INVALID_DEVICE_REQUEST
    (0xC0000011, ENODATA),      // STATUS_END_OF_FILE
    (0xC0000017, EREMOTEIO),    // STATUS_NO_MEMORY
    (0xC0000018, EADDRINUSE),   // STATUS_CONFLICTING_ADDRESSES
    (0xC0000022, EACCES),       // STATUS_ACCESS_DENIED
    (0xC0000030, EINVAL),       // STATUS_INVALID_PARAMETER_MIX
    (0xC0000033, ENOENT),       // STATUS_OBJECT_NAME_INVALID
    (0xC0000034, ENOENT),       // STATUS_OBJECT_NAME_NOT_FOUND
    (0xC0000035, EEXIST),       // STATUS_OBJECT_NAME_COLLISION
    (0xC0000039, ENOTDIR),      // STATUS_OBJECT_PATH_INVALID
    (0xC000003A, ENOENT),       // STATUS_OBJECT_PATH_NOT_FOUND
    (0xC0000041, ECONNREFUSED), // STATUS_PORT_CONNECTION_REFUSED
    (0xC0000043, EBUSY),        // STATUS_SHARING_VIOLATION
    (0xC0000044, EDQUOT),       // STATUS_QUOTA_EXCEEDED
    (0xC000004F, EOPNOTSUPP),   // STATUS_EAS_NOT_SUPPORTED
    (0xC0000052, ENODATA),      // STATUS_NO_EAS_ON_FILE
    (0xC0000054, EACCES),       // STATUS_FILE_LOCK_CONFLICT
    (0xC0000055, EACCES),       // STATUS_LOCK_NOT_GRANTED
    (0xC0000056, ENOENT),       // STATUS_DELETE_PENDING
    (0xC0000057, ENOSYS),       // STATUS_CTL_FILE_NOT_SUPPORTED
    (0xC000006A, EACCES),       // STATUS_WRONG_PASSWORD
    (0xC000006B, EINVAL),       // STATUS_ILL_FORMED_PASSWORD
    (0xC000006C, EACCES),       // STATUS_PASSWORD_RESTRICTION
    (0xC000006D, EACCES),       // STATUS_LOGON_FAILURE
    (0xC000006E, EACCES),       // STATUS_ACCOUNT_RESTRICTION
    (0xC000006F, EACCES),       // STATUS_INVALID_LOGON_HOURS
    (0xC0000070, EACCES),       // STATUS_INVALID_WORKSTATION
    (0xC0000071, EKEYEXPIRED),  // STATUS_PASSWORD_EXPIRED
    (0xC0000072, EKEYREVOKED),  // STATUS_ACCOUNT_DISABLED
    (0xC000007F, ENOSPC),       // STATUS_DISK_FULL
    (0xC000009A, EAGAIN),       // STATUS_INSUFFICIENT_RESOURCES
    (0xC00000A0, EFAULT),       // STATUS_MEMORY_NOT_ALLOCATED
    (0xC00000A2, EROFS),        // STATUS_MEDIA_WRITE_PROTECTED
    (0xC00000AE, EBUSY),        // STATUS_PIPE_BUSY
    (0xC00000B0, EPIPE),        // STATUS_PIPE_DISCONNECTED
    (0xC00000B5, EAGAIN),       // STATUS_IO_TIMEOUT
    (0xC00000BA, EISDIR),       // STATUS_FILE_IS_A_DIRECTORY
    (0xC00000BB, EOPNOTSUPP),   // STATUS_NOT_SUPPORTED
    (0xC00000BC, EHOSTDOWN),    // STATUS_REMOTE_NOT_LISTENING
    (0xC00000BD, ENOTUNIQ),     // STATUS_DUPLICATE_NAME
    (0xC00000BE, EINVAL),       // STATUS_BAD_NETWORK_PATH
    (0xC00000BF, EBUSY),        // STATUS_NETWORK_BUSY
    (0xC00000C0, ENODEV),       // STATUS_DEVICE_DOES_NOT_EXIST
    (0xC00000C9, EREMCHG),      // STATUS_NETWORK_NAME_DELETED
    (0xC00000CA, EACCES),       // STATUS_NETWORK_ACCESS_DENIED
    (0xC00000CC, ENOENT),       // STATUS_BAD_NETWORK_NAME
    (0xC00000D4, EXDEV),        // STATUS_NOT_SAME_DEVICE
    (0xC00000EF, EINVAL),       // STATUS_INVALID_PARAMETER_1
    (0xC00000F0, EINVAL),       // STATUS_INVALID_PARAMETER_2
    (0xC00000F1, EINVAL),       // STATUS_INVALID_PARAMETER_3
    (0xC00000F2, EINVAL),       // STATUS_INVALID_PARAMETER_4
    (0xC00000F3, EINVAL),       // STATUS_INVALID_PARAMETER_5
    (0xC00000F4, EINVAL),       // STATUS_INVALID_PARAMETER_6
    (0xC00000F5, EINVAL),       // STATUS_INVALID_PARAMETER_7
    (0xC00000F6, EINVAL),       // STATUS_INVALID_PARAMETER_8
    (0xC00000F7, EINVAL),       // STATUS_INVALID_PARAMETER_9
    (0xC00000F8, EINVAL),       // STATUS_INVALID_PARAMETER_10
    (0xC00000F9, EINVAL),       // STATUS_INVALID_PARAMETER_11
    (0xC00000FA, EINVAL),       // STATUS_INVALID_PARAMETER_12
    (0xC0000101, ENOTEMPTY),    // STATUS_DIRECTORY_NOT_EMPTY
    (0xC0000103, ENOTDIR),      // STATUS_NOT_A_DIRECTORY
    (0xC0000106, ENAMETOOLONG), // STATUS_NAME_TOO_LONG
    (0xC000011F, EMFILE),       // STATUS_TOO_MANY_OPENED_FILES
    (0xC0000121, EACCES),       // STATUS_CANNOT_DELETE
    (0xC0000128, EBADF),        // STATUS_FILE_CLOSED
    (0xC000012C, EDQUOT),       // STATUS_PAGEFILE_QUOTA_EXCEEDED
    (0xC0000135, ENOENT),       // STATUS_DLL_NOT_FOUND
    (0xC000013C, ESHUTDOWN),    // STATUS_REMOTE_DISCONNECT
    (0xC000013E, EXDEV),        // STATUS_LINK_FAILED
    (0xC000013F, ETIMEDOUT),    // STATUS_LINK_TIMEOUT
    (0xC000014B, EPIPE),        // STATUS_PIPE_BROKEN
    (0xC000016C, EBUSY),        // STATUS_SHARED_IRQ_BUSY
    (0xC0000193, EKEYEXPIRED),  // STATUS_ACCOUNT_EXPIRED
    (0xC000019C, EOPNOTSUPP),   // STATUS_FS_DRIVER_REQUIRED
    (0xC000020A, EADDRINUSE),   // STATUS_ADDRESS_ALREADY_EXISTS
    (0xC000020C, ECONNABORTED), // STATUS_CONNECTION_DISCONNECTED
    (0xC000020D, ENETRESET),    // STATUS_CONNECTION_RESET
    (0xC0000225, ENOENT),       // STATUS_NOT_FOUND
    (0xC000022D, EAGAIN),       // STATUS_RETRY
    (0xC0000234, EACCES),       // STATUS_ACCOUNT_LOCKED_OUT
    (0xC000023C, ENETUNREACH),  // STATUS_NETWORK_UNREACHABLE
    (0xC000023D, EHOSTDOWN),    // STATUS_HOST_UNREACHABLE
    (0xC000023E, ENETUNREACH),  // STATUS_PROTOCOL_UNREACHABLE
    (0xC000023F, ENETUNREACH),  // STATUS_PORT_UNREACHABLE
    (0xC0000241, ECONNABORTED), // STATUS_CONNECTION_ABORTED
    (0xC0000247, EACCES),       // STATUS_LOGIN_TIME_RESTRICTION
    (0xC0000248, EACCES),       // STATUS_LOGIN_WKSTA_RESTRICTION
    (0xC0000256, EDQUOT),       // STATUS_REGISTRY_QUOTA_LIMIT
    (0xC0000257, EREMOTE),      // STATUS_PATH_NOT_COVERED
    (0xC0000259, EACCES),       // STATUS_LICENSE_QUOTA_EXCEEDED
    (0xC0000265, EMLINK),       // STATUS_TOO_MANY_LINKS
    (0xC0000279, EOPNOTSUPP),   // STATUS_IO_REPARSE_TAG_NOT_HANDLED
    (0xC00002A5, EBUSY),        // STATUS_DS_BUSY
    (0xC00002C6, EROFS),        // STATUS_WMI_READ_ONLY
    (0xC00002DD, EOPNOTSUPP),   // STATUS_WMI_NOT_SUPPORTED
    (0xC00002E7, EDQUOT),       // STATUS_DS_MACHINE_ACCOUNT_QUOTA_EXCEEDED
    (0xC00002F0, ENODATA),      // STATUS_OBJECTID_NOT_FOUND
    (0xC0000300, EOPNOTSUPP),   // STATUS_NOT_SUPPORTED_ON_SBS
    (0xC0000361, EACCES),       // STATUS_ACCESS_DISABLED_BY_POLICY_DEFAULT
    (0xC0000362, EACCES),       // STATUS_ACCESS_DISABLED_BY_POLICY_PATH
    (0xC0000363, EACCES),       // STATUS_ACCESS_DISABLED_BY_POLICY_PUBLISHER
    (0xC0000364, EACCES),       // STATUS_ACCESS_DISABLED_BY_POLICY_OTHER
    (0xC0000372, EACCES),       // STATUS_ACCESS_DISABLED_NO_SAFER_UI_BY_POLICY
    (0xC0000401, EDQUOT),       // STATUS_PER_USER_TRUST_QUOTA_EXCEEDED
    (0xC0000402, EDQUOT),       // STATUS_ALL_USER_TRUST_QUOTA_EXCEEDED
    (0xC0000403, EDQUOT),       // STATUS_USER_DELETE_TRUST_QUOTA_EXCEEDED
    (0xC0000410, EDQUOT),       // STATUS_PARAMETER_QUOTA_EXCEEDED
    (0xC0000802, EDQUOT),       // STATUS_DISK_QUOTA_EXCEEDED
    (0xC000A013, EOPNOTSUPP),   // STATUS_PROTOCOL_NOT_SUPPORTED
    (0xC0020004, EOPNOTSUPP),   // RPC_NT_PROTSEQ_NOT_SUPPORTED
    (0xC002000A, EINVAL),       // RPC_NT_INVALID_TIMEOUT
    (0xC002000B, ENOENT),       // RPC_NT_OBJECT_NOT_FOUND
    (0xC0020018, EBUSY),        // RPC_NT_SERVER_TOO_BUSY
    (0xC0020029, ENOTUNIQ),     // RPC_NT_DUPLICATE_ENDPOINT
    (0xC0020041, EOPNOTSUPP),   // RPC_NT_CANNOT_SUPPORT
    (0xC0020064, EACCES),       // RPC_NT_PROXY_ACCESS_DENIED
    (0xC00A000B, ETIMEDOUT),    // STATUS_CTX_MODEM_RESPONSE_TIMEOUT
    (0xC00A000E, EBUSY),        // STATUS_CTX_MODEM_RESPONSE_BUSY
    (0xC00A0017, EBUSY),        // STATUS_CTX_WINSTATION_BUSY
    (0xC00A002B, EACCES),       // STATUS_CTX_WINSTATION_ACCESS_DENIED
    (0xC019005A, EOPNOTSUPP),   // STATUS_OPERATION_NOT_SUPPORTED_IN_TRANSACTION
    (0xC01E0102, EBUSY),        // STATUS_GRAPHICS_ALLOCATION_BUSY
    (0xC0220012, ETIMEDOUT),    // STATUS_FWP_TIMEOUT
    (0xC0220032, EOPNOTSUPP),   // STATUS_FWP_EM_NOT_SUPPORTED
    (0xC0230016, ENOBUFS),      // STATUS_NDIS_BUFFER_TOO_SHORT
    (0xC02300BB, ENOSYS),       // STATUS_NDIS_NOT_SUPPORTED
];

/// The errno cifs.ko returns for `code` (an SMB2/SMB3 response's status),
/// and whether [`MAP`] names it (false: EIO, the default). None for
/// STATUS_SUCCESS and for the other success and informational codes the
/// table does not name, which cifs.ko does not report as errors.
pub fn errno_of(code: u32) -> Option<(Errno, bool)> {
    if let Ok(i) = MAP.binary_search_by_key(&code, |&(c, _)| c) {
        return MAP.get(i).map(|&(_, e)| (e, true));
    }
    (code >> 31 == 1).then_some((EIO, false))
}

/// The errno numbered `n`, if named here.
pub fn by_number(n: u32) -> Option<Errno> {
    ERRNOS.iter().copied().find(|e| u32::from(e.number) == n)
}

/// The errno named `name` ("EACCES", any case), if named here.
pub fn by_name(name: &str) -> Option<Errno> {
    ERRNOS
        .iter()
        .copied()
        .find(|e| e.name.eq_ignore_ascii_case(name.trim()))
}

/// The NTSTATUS codes [`MAP`] turns into `e`, in code order (none for EIO:
/// every status MAP lacks).
pub fn statuses_of(e: Errno) -> impl Iterator<Item = u32> {
    MAP.iter().filter(move |(_, x)| *x == e).map(|&(c, _)| c)
}

/// How else cifs.ko gives `e` than from a status (or, for EIO, which
/// statuses), for the errnos a mount fails with for want of a connection.
pub fn note(e: Errno) -> Option<&'static str> {
    Some(match e.number {
        5 => "EIO is cifs.ko's answer for every status smb2maperror.c maps to no other errno (the default of map_smb2_to_linux_error), among them STATUS_NO_SUCH_USER, STATUS_NO_LOGON_SERVERS, STATUS_PASSWORD_MUST_CHANGE and STATUS_LOGON_TYPE_NOT_GRANTED; the kernel log names the status: dmesg shows \"Status code returned 0xc0000064 STATUS_NO_SUCH_USER\".",
        111 => "Also with no status at all: the TCP connect to port 445 (or 139) was refused, a RST answered the SYN (smbscope: connection.refused).",
        112 => "Also with no status at all: the connection ended, or the server never answered, before the NEGOTIATE completed; mount.cifs then says \"Server abruptly closed the connection\", which happens when the server does not support the SMB version asked for (vers=; an SMB1-only server) (smbscope: connection.reset_during_setup, connection.closed_during_setup, connection.no_response).",
        113 => "Never from a status: no route to the server (an ICMP unreachable answered the SYN, or the client has no route).",
        115 => "Never from a status: the TCP connect to port 445 (or 139) did not complete within cifs.ko's connect timeout (connect.c generic_ip_connect: the socket's send timeout is 5 s), no SMB message was exchanged; a capture shows SYNs without a SYN-ACK (smbscope: connection.unanswered).",
        _ => return None,
    })
}

/// The line mount.cifs prints for `e`: "mount error(13): Permission denied".
pub fn mount_error(e: Errno) -> String {
    format!("mount error({}): {}", e.number, e.text)
}
