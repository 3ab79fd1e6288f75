//! `service.status`: (being written).
