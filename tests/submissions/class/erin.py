"""Does not parse."""

def propagate(w, b, X, Y)
    return None
