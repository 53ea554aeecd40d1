"""hgm.archive"""
