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
