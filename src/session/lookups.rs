//! The ARP requests and DNS queries of the capture's hosts, kept for a
//! while: a server that answers a NEGOTIATE or TREE_CONNECT late is often
//! looking something up meanwhile (a name of the client, its DNS server's
//! hardware address), and these are the capture's evidence of it.
//!
//! Bounded: the latest [`MAX_RECENT`] lookups are kept; a request that
//! waited through more sees the latest of them only ([`Lookups::partial`]).

use std::collections::VecDeque;
use std::net::IpAddr;

use crate::capture::Timestamp;
use crate::pipeline::LookupKind;

use super::model::Lookups;

/// Lookups kept.
pub(crate) const MAX_RECENT: usize = 512;

/// One lookup seen: frame, time, kind, sender, target.
type Seen = (u64, Timestamp, LookupKind, IpAddr, IpAddr);

/// The latest lookups, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Recent {
    seen: VecDeque<Seen>,
    /// Some lookup was dropped to keep the bound.
    dropped: bool,
}

impl Recent {
    pub(crate) fn push(&mut self, s: Seen) {
        if self.seen.len() >= MAX_RECENT {
            self.seen.pop_front();
            self.dropped = true;
        }
        self.seen.push_back(s);
    }

    /// The lookups `host` made from `since` on (an answer to a request
    /// sent then comes now): ARP requests and DNS queries, and whether the
    /// address of its first ARP request answered. None when it made none.
    /// Reads back only as far as `since`.
    pub(crate) fn of(&self, host: IpAddr, since: Timestamp) -> Option<Box<Lookups>> {
        let window = self.seen.iter().rev().take_while(|s| s.1 >= since);
        let mut l = Lookups::default();
        let mut repliers: Vec<IpAddr> = Vec::new();
        let mut scanned = 0;
        for &(frame, _, kind, from, target) in window {
            scanned += 1;
            match kind {
                LookupKind::ArpReply => {
                    if repliers.len() < 16 && !repliers.contains(&from) {
                        repliers.push(from);
                    }
                    continue;
                }
                _ if from != host => continue,
                LookupKind::ArpRequest => {
                    l.arp_requests += 1;
                    // Read backwards: the last one set is the first sent.
                    l.arp_target = Some(target);
                }
                LookupKind::DnsQuery => {
                    l.dns_queries += 1;
                    l.dns_server = Some(target);
                }
            }
            l.first_frame = frame;
            l.last_frame = l.last_frame.max(frame);
        }
        if l.arp_requests + l.dns_queries == 0 {
            return None;
        }
        l.arp_answered = l.arp_target.is_some_and(|t| repliers.contains(&t));
        l.partial = self.dropped && scanned == self.seen.len();
        Some(Box::new(l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// The server's own lookups from `since` on, its first ARP target
    /// answered or not, others' left out; past the bound, the counts are
    /// marked partial. (Real capture: corpus sv-smb2-peter-guest in
    /// tests/report_findings.rs.)
    #[test]
    fn lookups_of_a_host_since_a_time() {
        let server: IpAddr = "10.0.0.2".parse().unwrap();
        let dns: IpAddr = "10.0.0.53".parse().unwrap();
        let other: IpAddr = "10.0.0.9".parse().unwrap();
        let mut r = Recent::default();
        r.push((1, at(1), LookupKind::ArpRequest, server, dns));
        r.push((2, at(2), LookupKind::ArpRequest, server, dns));
        r.push((3, at(2), LookupKind::ArpRequest, other, dns));
        r.push((4, at(3), LookupKind::DnsQuery, server, dns));
        let l = r.of(server, at(2)).expect("lookups");
        assert_eq!((l.arp_requests, l.dns_queries), (1, 1));
        assert_eq!((l.first_frame, l.last_frame), (2, 4));
        assert_eq!(
            (l.arp_target, l.arp_answered, l.partial),
            (Some(dns), false, false)
        );
        assert!(r.of(server, at(4)).is_none());
        assert!(r.of(other, at(3)).is_none());
        r.push((5, at(3), LookupKind::ArpReply, dns, server));
        assert!(r.of(server, at(2)).expect("lookups").arp_answered);
        for f in 6..6 + MAX_RECENT as u64 {
            r.push((f, at(5), LookupKind::ArpRequest, server, dns));
        }
        let l = r.of(server, at(0)).expect("lookups");
        assert_eq!(l.arp_requests as usize, MAX_RECENT);
        assert!(l.partial);
    }
}
