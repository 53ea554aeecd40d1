"""hgm.evolve"""
