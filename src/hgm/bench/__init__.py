"""hgm.bench"""
