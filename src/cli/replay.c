typedef int cas__placeholder;
