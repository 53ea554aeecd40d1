def merge_intervals(intervals):
    pass
