record Circle(double radius) {

    double area() {
        return Math.PI * radius * radius;
    }

}
