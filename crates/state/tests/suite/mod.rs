mod caps;
mod layer;
mod processes;
mod threads;
