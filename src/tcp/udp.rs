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
    /// No conversation was last seen before this: a sweep whose limit is
    /// not past it would forget nothing, and is skipped.
    oldest: i64,
    max: usize,
}

impl Default for UdpStreams {
    fn default() -> Self {
        UdpStreams {
            index: KeyedHashMap::default(),
            next: 0,
            last_sweep: i64::MIN,
            oldest: i64::MAX,
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
            self.sweep(now);
        }
        // Capture times may go backwards: `now` may lower a conversation's last sight.
        self.oldest = self.oldest.min(now);
        let key = FlowKey::new(Endpoint::new(a.0, a.1), Endpoint::new(b.0, b.1));
        let next = &mut self.next;
        let entry = self.index.entry(key).or_insert_with(|| {
            *next += 1;
            (*next - 1, now)
        });
        entry.1 = now;
        entry.0
    }

    /// Forgets the conversations idle for [`IDLE_SECS`] at `now`, and the
    /// older half if the table is still full.
    fn sweep(&mut self, now: i64) {
        let mut limit = now.saturating_sub(IDLE_SECS);
        if limit <= self.oldest && self.index.len() < self.max {
            return; // nothing to forget: the table is not walked
        }
        self.index.retain(|_, (_, seen)| *seen >= limit);
        if self.index.len() >= self.max {
            // Still full: forget the older half.
            let mut ages: Vec<i64> = self.index.values().map(|v| v.1).collect();
            ages.sort_unstable();
            limit = ages[ages.len() / 2];
            self.index.retain(|_, (_, seen)| *seen > limit);
        }
        self.oldest = self.index.values().map(|v| v.1).min().unwrap_or(i64::MAX);
    }

    pub fn count(&self) -> u64 {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// A client and two servers (Kerberos, DNS).
    const ENDS: [(IpAddr, u16); 3] = [
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 5353),
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 88),
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)), 53),
    ];

    #[test]
    fn numbered_in_order_both_directions_alike() {
        let [a, b, c] = ENDS;
        let mut u = UdpStreams::default();
        assert_eq!(u.number(a, b, 0), 0);
        assert_eq!(u.number(b, a, 1), 0);
        assert_eq!(u.number(a, c, 2), 1);
        assert_eq!(u.number(a, b, 3), 0);
        assert_eq!(u.count(), 2);
    }

    #[test]
    fn idle_conversations_are_forgotten_even_when_time_goes_back() {
        let [a, b, c] = ENDS;
        let mut u = UdpStreams::default();
        // (from, to, capture second, stream number expected)
        let steps = [
            (a, b, 0, 0),
            (a, c, 3000, 1),
            // a-b idle for 3700 s: forgotten at this sweep, numbered anew;
            // a-c, seen at 3000, is kept at the next one.
            (a, b, 3700, 2),
            (a, c, 6500, 1),
            // Time goes back: a-c was last seen at 100, so it is idle past
            // the hour at the next sweep (6600, a minute after the last one).
            (c, a, 100, 1),
            (a, b, 6600, 2),
            (a, c, 6610, 3),
        ];
        for (from, to, now, want) in steps {
            assert_eq!(u.number(from, to, now), want, "at {now}");
        }
        assert_eq!(u.count(), 4);
    }
}
