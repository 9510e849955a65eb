//! Sessions grouped for one finding: some clients log on again and again
//! with the same result (anonymous probes, a wrong password retried, a
//! disabled account), and one finding with the count, the streams and the
//! evidence of the first few and the last says that better than one finding
//! each.

use arrayvec::ArrayVec;

use crate::session::{Model, Session};
use crate::tcp::hash::KeyedHashMap;

/// Streams named in a finding's explanation before "and N more".
const STREAMS_NAMED: usize = 5;

/// Sessions whose evidence frames a finding lists, the first ones (then
/// the last one): with a few sessions, every one of them.
const SESSIONS_SHOWN: usize = 4;

/// The sessions of one group: the first and the last, how many, on which
/// streams.
pub(super) struct Group<'a> {
    pub last: &'a Session,
    pub count: u64,
    /// The first sessions, whose evidence [`Group::frames`] lists.
    shown: ArrayVec<&'a Session, SESSIONS_SHOWN>,
    streams: ArrayVec<u64, STREAMS_NAMED>,
    more_streams: u64,
    /// (tcp.stream, SessionId) of every session (see `Draft::covers`).
    covers: Vec<(u64, Option<u64>)>,
}

impl<'a> Group<'a> {
    fn new(s: &'a Session) -> Self {
        Group {
            last: s,
            count: 0,
            shown: ArrayVec::new(),
            streams: ArrayVec::new(),
            more_streams: 0,
            covers: Vec::new(),
        }
    }

    fn add(&mut self, s: &'a Session) {
        self.count += 1;
        self.last = s;
        if !self.shown.is_full() {
            self.shown.push(s);
        }
        if self.covers.len() < super::MAX_COVERS {
            self.covers.push((s.stream, Some(s.session_id.0)));
        }
        if !self.streams.contains(&s.stream) {
            if self.streams.len() < STREAMS_NAMED {
                self.streams.push(s.stream);
            } else {
                self.more_streams += 1;
            }
        }
    }

    /// The group's first session.
    pub fn first(&self) -> &'a Session {
        // `add` puts the first session in `shown`; `last` is the same one
        // until another comes.
        self.shown.first().copied().unwrap_or(self.last)
    }

    /// The last round's request and response of each of the first
    /// [`SESSIONS_SHOWN`] sessions, and of the last one: every session's
    /// when there are at most five.
    pub fn frames(&self) -> Vec<u64> {
        self.frames_of(evidence)
    }

    /// [`Group::frames`] with each session's evidence frames taken by `ev`.
    pub fn frames_of<I: IntoIterator<Item = u64>>(
        &self,
        ev: impl Fn(&'a Session) -> I,
    ) -> Vec<u64> {
        let mut f: Vec<u64> = self.shown.iter().flat_map(|&s| ev(s)).collect();
        if self.count > self.shown.len() as u64 {
            f.extend(ev(self.last));
        }
        f
    }

    /// The (tcp.stream, SessionId) of its sessions, for `Draft::covers`.
    pub fn covers(&self) -> impl Iterator<Item = (u64, Option<u64>)> + '_ {
        self.covers.iter().copied()
    }

    /// "tcp.stream 0", or "tcp.stream 2, 3 and 4 more".
    pub fn streams(&self) -> String {
        let mut t = String::from("tcp.stream ");
        for (i, st) in self.streams.iter().enumerate() {
            if i > 0 {
                t.push_str(", ");
            }
            t.push_str(&st.to_string());
        }
        if self.more_streams > 0 {
            t.push_str(&format!(" and {} more", self.more_streams));
        }
        t
    }

    /// "once (tcp.stream 0)", or "3 times (tcp.stream 2, 3)".
    pub fn times(&self) -> String {
        if self.count == 1 {
            format!("once ({})", self.streams())
        } else {
            format!("{} times ({})", self.count, self.streams())
        }
    }
}

/// The sessions `keep` picks, grouped by `key`, in the order of each
/// group's first session.
pub(super) fn groups<'a, K: std::hash::Hash + Eq>(
    model: &'a Model,
    keep: impl Fn(&Session) -> bool,
    key: impl Fn(&'a Session) -> K,
) -> Vec<Group<'a>> {
    ordered(
        model.sessions.iter().filter(|s| keep(s)),
        key,
        Group::new,
        Group::add,
    )
}

/// Items grouped by `key`, in the order of each group's first item: `new`
/// makes a group of its first item, and `add` adds every item to its group
/// (the first one too). One map entry per group, nothing per item.
pub(super) fn ordered<T: Copy, K: std::hash::Hash + Eq, G>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(T) -> K,
    new: impl Fn(T) -> G,
    add: impl FnMut(&mut G, T),
) -> Vec<G> {
    ordered_capped(items, usize::MAX, key, new, add)
}

/// [`ordered`] with at most `cap` groups: an item whose group would be
/// one more is left out.
pub(super) fn ordered_capped<T: Copy, K: std::hash::Hash + Eq, G>(
    items: impl IntoIterator<Item = T>,
    cap: usize,
    key: impl Fn(T) -> K,
    new: impl Fn(T) -> G,
    mut add: impl FnMut(&mut G, T),
) -> Vec<G> {
    let mut groups: Vec<G> = Vec::new();
    let mut index: KeyedHashMap<K, usize> = KeyedHashMap::default();
    for item in items {
        let i = match index.entry(key(item)) {
            std::collections::hash_map::Entry::Occupied(e) => *e.get(),
            std::collections::hash_map::Entry::Vacant(_) if groups.len() >= cap => continue,
            std::collections::hash_map::Entry::Vacant(e) => {
                groups.push(new(item));
                *e.insert(groups.len() - 1)
            }
        };
        if let Some(g) = groups.get_mut(i) {
            add(g, item);
        }
    }
    groups
}

/// The last round's request and response frames.
pub(super) fn evidence(s: &Session) -> impl Iterator<Item = u64> + '_ {
    s.rounds
        .last()
        .into_iter()
        .flat_map(|r| [r.request_frame].into_iter().chain(r.response_frame))
}
