//! Fulfilment: e-tickets, deliveries and service proof requests.
