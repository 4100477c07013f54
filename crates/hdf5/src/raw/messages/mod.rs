//! Header messages (spec IV.A.2), one module per message type.

pub mod attribute;
pub mod attribute_info;
pub mod dataspace;
pub mod datatype;
pub mod fill_value;
pub mod filter_pipeline;
pub mod layout;
pub mod link;
pub mod link_info;
pub mod shared;
pub mod symbol_table;
