class ShapeArea {

    static double total(double... radii) {
        double sum = 0;
        for (double radius : radii) {
            sum += new Circle(radius).area();
        }
        return sum;
    }

}
