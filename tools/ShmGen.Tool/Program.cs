using System;
using ShmGen.Tool;

return ShmGenCommand.Run(args, Console.Out, Console.Error);
