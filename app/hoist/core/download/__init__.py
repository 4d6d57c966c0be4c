"""Downloads' local side: where keys land, the partial file, the range plan, the proof."""
