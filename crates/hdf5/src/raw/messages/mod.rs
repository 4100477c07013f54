//! Header messages (spec IV.A.2), one module per message type.

pub mod attribute;
pub mod attribute_info;
pub(crate) mod continuation;
pub mod dataspace;
pub mod datatype;
pub mod fill_value;
pub mod filter_pipeline;
pub(crate) mod group_info;
pub mod layout;
pub mod link;
pub mod link_info;
pub(crate) mod refcount;
pub mod shared;
pub mod symbol_table;

#[cfg(test)]
mod tests {
    use super::dataspace::Dataspace;
    use super::datatype::Datatype;
    use super::fill_value::FillValue;
    use super::layout::Layout;
    use super::link_info::LinkInfo;
    use crate::raw::binary::Sizes;

    /// A version byte this reader does not know is `Unsupported` in every message parser
    /// (hand-dispatched and binrw-asserted alike), never `Malformed`.
    #[test]
    fn unknown_message_versions_are_unsupported() {
        let body = |v: u8| {
            let mut b = vec![v];
            b.resize(64, 0);
            b
        };
        let s = Sizes::DEFAULT;
        let cases = [
            ("dataspace", Dataspace::decode(&body(9), 0, s).map(|_| ())),
            ("layout", Layout::decode(&body(9), 0, s).map(|_| ())),
            // Datatype: version in the high nibble of the first byte (class 1, float).
            ("datatype", Datatype::decode(&body(0x91), 0).map(|_| ())),
            ("fill value", FillValue::decode(&body(9), 0).map(|_| ())),
            ("link info", LinkInfo::decode(&body(9), 0, s).map(|_| ())),
        ];
        for (what, r) in cases {
            let e = r.expect_err(what);
            assert!(e.is_unsupported(), "{what}: {e:?}");
            assert!(e.to_string().contains('9'), "{what}: {e}");
        }
    }
}
