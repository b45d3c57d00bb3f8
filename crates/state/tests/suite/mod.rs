mod caps;
mod layer;
mod memories;
mod processes;
mod threads;
