//! The name lists of schema/messages.schema.json against the tables they
//! are copied from: a name added to (or mended in) one of our open enums or
//! flag sets must be added to the schema too, or a capture that shows it
//! would write a value the schema refuses. The schema conformance test only
//! sees names that some capture holds; this one sees every name.

use super::{
    create, error, ioctl, negotiate, oplock, query, read_write, session_setup, smb1, tree, wire,
};
use std::collections::BTreeSet;

/// The `$defs` entries whose names come from a table here, with the table.
fn tables() -> Vec<(&'static str, Vec<&'static str>)> {
    macro_rules! t {
        ($($path:ident :: $ty:ident),* $(,)?) => {
            vec![$((stringify!($ty), $path::$ty::NAMES.to_vec())),*]
        };
    }
    let mut v = t![
        create::OplockLevel,
        create::ImpersonationLevel,
        create::ShareAccess,
        create::CreateDisposition,
        create::CreateOptions,
        create::CreateAction,
        create::CreateResponseFlags,
        create::CloseFlags,
        error::ErrorId,
        ioctl::CtlCode,
        ioctl::IoctlFlags,
        negotiate::Dialect,
        negotiate::SecurityMode,
        negotiate::Capabilities,
        negotiate::NegotiateContextType,
        negotiate::HashAlgorithm,
        negotiate::Cipher,
        negotiate::CompressionAlgorithm,
        negotiate::CompressionFlags,
        negotiate::TransportFlags,
        negotiate::RdmaTransformId,
        negotiate::SigningAlgorithm,
        oplock::LeaseState,
        query::InfoType,
        query::QueryDirectoryFlags,
        query::AdditionalInformation,
        query::QueryInfoFlags,
        query::ChangeNotifyFlags,
        query::CompletionFilter,
        read_write::ReadFlags,
        read_write::Channel,
        read_write::WriteFlags,
        read_write::LockFlags,
        session_setup::SessionSetupRequestFlags,
        session_setup::SessionFlags,
        smb1::Smb1Command,
        smb1::Smb1Flags2,
        smb1::Smb1SecurityMode,
        smb1::Smb1SetupAction,
        tree::TreeConnectFlags,
        tree::TreeConnectContextType,
        tree::ShareType,
        tree::CachingPolicy,
        tree::ShareFlags,
        tree::ShareCapabilities,
        wire::AccessMaskBits,
        wire::FileAttributes,
    ];
    v.push(("InfoClass", query::InfoClass::all_names().collect()));
    v
}

/// The names a `$defs` entry accepts: its own `enum`, or that of the first
/// branch of its `oneOf` (the other branch takes unknown values as numbers),
/// for a value or for the items of a list.
fn schema_names(def: &serde_json::Value) -> Option<BTreeSet<String>> {
    let one = |v: &serde_json::Value| -> Option<BTreeSet<String>> {
        let e = v.get("enum").or_else(|| v.pointer("/oneOf/0/enum"))?;
        Some(
            e.as_array()?
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
        )
    };
    one(def).or_else(|| one(def.get("items")?))
}

#[test]
fn schema_name_lists_equal_the_tables() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/messages.schema.json");
    let text = std::fs::read_to_string(path).expect("messages schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let defs = schema["$defs"].as_object().expect("$defs");
    let tables = tables();
    let mut wrong = Vec::new();
    for (name, table) in &tables {
        let Some(listed) = defs.get(*name).and_then(schema_names) else {
            wrong.push(format!("{name}: no name list in the schema's $defs"));
            continue;
        };
        // Flag sets may name 0 (no bit); no list ever holds that name.
        let ours: BTreeSet<String> = table
            .iter()
            .filter(|n| !n.is_empty())
            .map(|n| n.to_string())
            .collect();
        for n in ours.difference(&listed) {
            wrong.push(format!("{name}: {n} is ours but not in the schema"));
        }
        for n in listed.difference(&ours) {
            wrong.push(format!("{name}: {n} is in the schema but not ours"));
        }
    }
    // Every name list under $defs that looks like one of ours is checked.
    for (name, def) in defs {
        let ours = tables.iter().any(|(t, _)| t == name);
        let looks_like_table = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && schema_names(def).is_some();
        if looks_like_table && !ours {
            wrong.push(format!(
                "{name}: a name list in the schema that this test does not check"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "schema/messages.schema.json and the tables differ:\n{}",
        wrong.join("\n")
    );
}
