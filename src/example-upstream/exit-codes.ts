/** Exit status of main.ts when its port is taken or forbidden: the parent names the variable to set. */
export const EXIT_PORT_UNAVAILABLE_CODE = 3;
