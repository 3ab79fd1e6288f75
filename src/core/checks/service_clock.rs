//! `service.clock`: (being written).
