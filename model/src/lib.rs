pub mod lockdep;
pub mod script;
