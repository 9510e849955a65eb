//! Compression transforms a server must refuse ([MS-SMB2] 2.2.42,
//! 3.3.5.2.1.2 "Decompressing the Message").

use crate::pipeline::TransformInfo;

use super::model::{CompressionFault, Negotiate};

/// The size of SMB2_COMPRESSION_TRANSFORM_HEADER_UNCHAINED ([MS-SMB2] 2.2.42.1).
const HEADER: u64 = 16;

/// Why a server must refuse a compression transform with these header
/// fields on a connection with this NEGOTIATE, if it must:
/// - Offset + OriginalCompressedSegmentSize overflows 32 bits, the bug of
///   CVE-2020-0796 ("SMBGhost"): Windows' srv2.sys added the two in 32 bits
///   to size its buffer;
/// - OriginalCompressedSegmentSize exceeds 256 + the header + the largest of
///   the negotiated MaxTransactSize, MaxReadSize and MaxWriteSize
///   (3.3.5.2.1.2 has the server disconnect);
/// - the NEGOTIATE agreed on no compression algorithm.
///
/// The first two need OriginalCompressedSegmentSize, which a header cut by
/// the snaplen may lack.
pub(super) fn fault(t: &TransformInfo, n: Option<&Negotiate>) -> Option<CompressionFault> {
    if let (Some(off), Some(size)) = (t.offset, t.original_size) {
        if off.checked_add(size).is_none() {
            return Some(CompressionFault::Overflow);
        }
    }
    // Only a NEGOTIATE answered with a dialect tells what was agreed.
    let n = n.filter(|n| n.dialect.is_some() && n.server_max_size > 0)?;
    let limit = 256 + HEADER + u64::from(n.server_max_size);
    if t.original_size.is_some_and(|size| u64::from(size) > limit) {
        return Some(CompressionFault::TooLarge { limit });
    }
    (!n.compression_negotiated).then_some(CompressionFault::NotNegotiated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smb2::negotiate::Dialect;

    fn negotiate(max: u32, compression: bool) -> Negotiate {
        Negotiate {
            dialect: Some(Dialect::SMB3_1_1),
            server_max_size: max,
            compression_negotiated: compression,
            ..Negotiate::default()
        }
    }

    fn unchained(size: u32, offset: u32) -> TransformInfo {
        TransformInfo {
            original_size: Some(size),
            algorithm: Some(2),
            offset: Some(offset),
            ..TransformInfo::default()
        }
    }

    #[test]
    fn faults_in_order() {
        let agreed = negotiate(8 << 20, true);
        // pcapattack-smbghost-loopback-compression, frame 8.
        let ghost = unchained(0xFFFF_FFFF, 0x10);
        assert_eq!(
            fault(&ghost, Some(&agreed)),
            Some(CompressionFault::Overflow)
        );
        assert_eq!(fault(&ghost, None), Some(CompressionFault::Overflow));
        let big = unchained((8 << 20) + 273, 0);
        assert_eq!(
            fault(&big, Some(&agreed)),
            Some(CompressionFault::TooLarge {
                limit: (8 << 20) + 272
            })
        );
        let fits = unchained((8 << 20) + 272, 0);
        assert_eq!(fault(&fits, Some(&agreed)), None);
        assert_eq!(
            fault(&fits, Some(&negotiate(8 << 20, false))),
            Some(CompressionFault::NotNegotiated)
        );
        // Without an answered NEGOTIATE only the overflow can be told.
        assert_eq!(fault(&big, None), None);
        // A chained transform has no Offset.
        let chained = TransformInfo {
            original_size: Some(0xFFFF_FFFF),
            flags: Some(1),
            ..TransformInfo::default()
        };
        assert_eq!(fault(&chained, None), None);
    }
}
