//! UDP conversations numbered like Wireshark's `udp.stream`: in order of first
//! appearance, every UDP conversation counted. Kept beside TCP's numbering
//! because it follows the same rules (and the same memory bound: idle
//! conversations are forgotten after an hour of capture time).

use std::net::IpAddr;

use super::hash::KeyedHashMap;
use super::{Endpoint, FlowKey};

/// Numbers UDP conversations.
pub struct UdpStreams {
    index: KeyedHashMap<FlowKey, (u64, i64)>,
    next: u64,
    last_sweep: i64,
    max: usize,
}

impl Default for UdpStreams {
    fn default() -> Self {
        UdpStreams {
            index: KeyedHashMap::default(),
            next: 0,
            last_sweep: i64::MIN,
            max: 200_000,
        }
    }
}

const IDLE_SECS: i64 = 3600;

impl UdpStreams {
    /// The stream number of the datagram from `a` to `b` seen at `now` (seconds).
    pub fn number(&mut self, a: (IpAddr, u16), b: (IpAddr, u16), now: i64) -> u64 {
        if now >= self.last_sweep.saturating_add(60) || self.index.len() >= self.max {
            self.last_sweep = now;
            let max = self.max;
            let mut limit = now.saturating_sub(IDLE_SECS);
            self.index.retain(|_, (_, seen)| *seen >= limit);
            if self.index.len() >= max {
                // Still full: forget the older half.
                let mut ages: Vec<i64> = self.index.values().map(|v| v.1).collect();
                ages.sort_unstable();
                limit = ages[ages.len() / 2];
                self.index.retain(|_, (_, seen)| *seen > limit);
            }
        }
        let key = FlowKey::new(Endpoint::new(a.0, a.1), Endpoint::new(b.0, b.1));
        let next = &mut self.next;
        let entry = self.index.entry(key).or_insert_with(|| {
            *next += 1;
            (*next - 1, now)
        });
        entry.1 = now;
        entry.0
    }

    pub fn count(&self) -> u64 {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn numbered_in_order_both_directions_alike() {
        let a = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 5353);
        let b = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 88);
        let c = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)), 53);
        let mut u = UdpStreams::default();
        assert_eq!(u.number(a, b, 0), 0);
        assert_eq!(u.number(b, a, 1), 0);
        assert_eq!(u.number(a, c, 2), 1);
        assert_eq!(u.number(a, b, 3), 0);
        assert_eq!(u.count(), 2);
    }
}
