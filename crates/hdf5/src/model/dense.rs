//! Dense link and attribute storage: fractal heap records indexed by a version 2 B-tree.

use crate::raw::Source;
use crate::raw::messages::attribute::AttributeMessage;
use crate::raw::messages::attribute_info::AttributeInfo;
use crate::raw::messages::link::Link;
use crate::raw::messages::link_info::LinkInfo;
use crate::{Error, Result};

/// All links of a group stored densely.
pub fn links(_src: &Source, _info: &LinkInfo) -> Result<Vec<Link>> {
    Err(Error::unsupported("dense link storage (fractal heap)"))
}

/// All attributes of an object stored densely.
pub fn attributes(_src: &Source, _info: &AttributeInfo) -> Result<Vec<AttributeMessage>> {
    Err(Error::unsupported("dense attribute storage (fractal heap)"))
}
