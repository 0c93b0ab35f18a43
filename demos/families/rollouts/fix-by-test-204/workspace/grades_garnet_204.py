def passing(scores, cutoff):
    return [s for s in scores if s > cutoff]
