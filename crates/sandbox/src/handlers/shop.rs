//! The shop front: order forms, images and shipping cost policies.
