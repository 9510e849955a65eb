//! Status codes and their meanings: NTSTATUS ([MS-ERREF] 2.3) and Kerberos error
//! codes (RFC 4120 7.5.9). A leaf module: every layer may use it.

pub mod kerberos;
