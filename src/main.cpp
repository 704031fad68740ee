// Entry point: parses argv and hands over to basalt::app::Run.
#include "basalt/app/app.hpp"

int main(int argc, char** argv) { return basalt::app::Main(argc, argv); }
