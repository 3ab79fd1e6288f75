//! `service.message`: (being written).
