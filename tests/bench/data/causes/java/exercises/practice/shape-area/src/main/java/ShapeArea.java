class ShapeArea {

    static double total(double... radii) {
        throw new UnsupportedOperationException("Delete this statement and write your own implementation.");
    }

}
