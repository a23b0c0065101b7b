//! Test support: validates DXLink server messages against the JSON Schemas of dxFeed's AsyncAPI
//! document (`tests/fixtures/dxlink/asyncapi.yml`, a copy of `shared/reference/dxlink/asyncapi.yml`).
//!
//! The server messages are the ones the document lists under `channels./.subscribe`; each message
//! `type` maps to its `components/messages/<X>/payload` schema (read from the payload's
//! `type.const`), compiled from a wrapper `{"$ref": "#/components/messages/X/payload",
//! "components": ...}` so every `$ref` resolves against the whole document.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Compiled validators, by message `type`.
pub struct DxLinkSchemas {
    by_type: HashMap<String, jsonschema::Validator>,
    /// The schema of a `FEED_DATA` batch of events (see [`DxLinkSchemas::validate`]).
    feed_data_events: jsonschema::Validator,
}

impl DxLinkSchemas {
    /// The schemas, loaded and compiled once per test binary.
    pub fn shared() -> &'static DxLinkSchemas {
        static SCHEMAS: OnceLock<DxLinkSchemas> = OnceLock::new();
        SCHEMAS.get_or_init(DxLinkSchemas::load)
    }

    fn load() -> DxLinkSchemas {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/dxlink/asyncapi.yml"
        );
        let text = std::fs::read_to_string(path).expect("read the AsyncAPI document");
        let doc: Value = serde_yaml::from_str(&text).expect("AsyncAPI document is YAML");
        let components = doc["components"].clone();
        let compile = |pointer: &str| {
            let wrapper = json!({"$ref": format!("#{pointer}"), "components": components});
            jsonschema::validator_for(&wrapper)
                .unwrap_or_else(|e| panic!("schema {pointer} compiles: {e}"))
        };
        let server_messages = doc["channels"]["/"]["subscribe"]["message"]["oneOf"]
            .as_array()
            .expect("server messages listed under channels./.subscribe");
        let mut by_type = HashMap::new();
        let mut feed_data_events = None;
        for m in server_messages {
            let name = m["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/messages/"))
                .expect("a message $ref");
            let parts = components["messages"][name]["payload"]["allOf"]
                .as_array()
                .expect("payload is an allOf");
            let (at, part) = parts
                .iter()
                .enumerate()
                .find(|(_, p)| p["properties"]["type"]["const"].is_string())
                .expect("a payload part fixing the type");
            let ty = part["properties"]["type"]["const"]
                .as_str()
                .expect("type const")
                .to_string();
            if ty == "FEED_DATA" {
                assert!(
                    part["properties"]["events"].is_object(),
                    "the documented FEED_DATA discrepancy (`events`) is still there"
                );
                feed_data_events = Some(compile(&format!(
                    "/components/messages/{name}/payload/allOf/{at}/properties/events"
                )));
            }
            by_type.insert(ty, compile(&format!("/components/messages/{name}/payload")));
        }
        DxLinkSchemas {
            by_type,
            feed_data_events: feed_data_events.expect("FEED_DATA is a server message"),
        }
    }

    /// Check one server message; the error names the message and every violation.
    ///
    /// The FEED_DATA payload schema is inconsistent: it *requires* `data` (what real messages
    /// carry) but describes the event batch (COMPACT type/array pairs or FULL event objects) under
    /// a property named `events`, so on its own it would never look inside `data`. This validator
    /// handles that documented discrepancy explicitly: it validates the message against the
    /// payload schema as written (so `data` is required) **and** validates the value of `data`
    /// against the schema the document gives for `events`. No other check is relaxed.
    pub fn validate(&self, msg: &Value) -> Result<(), String> {
        let ty = msg["type"]
            .as_str()
            .ok_or_else(|| format!("message without a string type: {}", brief(msg)))?;
        let validator = self
            .by_type
            .get(ty)
            .ok_or_else(|| format!("{ty} is not a server message of the AsyncAPI document"))?;
        let mut problems: Vec<String> = validator
            .iter_errors(msg)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        if ty == "FEED_DATA" {
            if let Some(data) = msg.get("data") {
                problems.extend(
                    self.feed_data_events
                        .iter_errors(data)
                        .map(|e| format!("data (as `events`): {} at {}", e, e.instance_path)),
                );
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{ty} violates the AsyncAPI schema: {}\nmessage: {}",
                problems.join("; "),
                brief(msg)
            ))
        }
    }
}

/// A message shortened for error output.
fn brief(msg: &Value) -> String {
    let s = msg.to_string();
    if s.len() > 600 {
        format!("{}...", &s[..s.floor_char_boundary_compat(600)])
    } else {
        s
    }
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, at: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut at: usize) -> usize {
        while at > 0 && !self.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}
