def form_groups(community, min_size=4, max_size=5):
    raise NotImplementedError
