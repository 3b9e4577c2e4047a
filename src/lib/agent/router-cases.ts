// Labelled requests for measuring the router's heuristic (router.test.ts asserts a floor).
// ROUTER_CASES was written before the classifier and then used to tune it; ROUTER_HOLDOUT_CASES
// was written after tuning and never tuned against, so its accuracy is the honest estimate.
import type { BuiltInAgentId } from '$lib/agent/agents';

export interface RouterCase {
	text: string;
	expected: BuiltInAgentId;
}

const c = (expected: BuiltInAgentId, text: string): RouterCase => ({ text, expected });

export const ROUTER_CASES: readonly RouterCase[] = [
	// code
	c('code', 'Write a Python function that checks whether a string is a palindrome.'),
	c(
		'code',
		'Why does this give me an IndexError?\n```python\nfor i in range(len(xs)+1):\n    print(xs[i])\n```'
	),
	c(
		'code',
		'Traceback (most recent call last):\n  File "main.py", line 3, in <module>\n    import pandas\nModuleNotFoundError: No module named \'pandas\''
	),
	c('code', 'How do I reverse a list in JavaScript without mutating it?'),
	c(
		'code',
		'Can you refactor this to use async/await? fetch(url).then(r => r.json()).then(d => console.log(d))'
	),
	c(
		'code',
		"TypeError: Cannot read properties of undefined (reading 'map') — what am I doing wrong?"
	),
	c('code', 'Write a SQL query that returns the top 5 customers by total order value.'),
	c('code', 'Explain what a closure is in JS with an example'),
	c('code', 'my regex ^\\d{3}-\\d{4}$ doesnt match "555-1234 " why'),
	c('code', 'Convert this bash loop to python: for f in *.csv; do wc -l "$f"; done'),
	c('code', 'Implement binary search in Rust'),
	c('code', 'What is the time complexity of quicksort and why is the worst case O(n^2)?'),
	c('code', 'Plot a sine wave from 0 to 2 pi with matplotlib'),
	c('code', 'Load data.csv and compute the mean of the price column'),
	c(
		'code',
		'How can I fix "error TS2345: Argument of type string is not assignable to parameter of type number"?'
	),
	c('code', 'Write a unit test for a function add(a, b) using vitest'),
	c('code', 'Debug my script, it loops forever: while x != 10: x += 3'),
	c('code', 'What does `git rebase -i HEAD~3` do?'),
	c('code', 'Generate a regex that matches email addresses'),
	c('code', 'Simulate rolling two dice 10000 times and show the distribution of sums'),
	c('code', 'Is there a bug in this? def avg(xs): return sum(xs) / len(xs)'),
	c('code', 'Write a CSS rule that centers a div horizontally and vertically'),
	c('code', 'how do i parse json in go'),
	c('code', 'Translate this Java class to Kotlin: public class Point { int x; int y; }'),
	c('code', 'Segmentation fault (core dumped) when I run my C program after malloc, any idea?'),
	c('code', 'Compute the first 20 Fibonacci numbers using a script'),

	// research
	c('research', 'Who won the Nobel Prize in Physics in 2023?'),
	c('research', 'What is the latest news about the James Webb telescope?'),
	c('research', 'When was the Eiffel Tower built and how tall is it?'),
	c('research', 'Find sources on the health effects of intermittent fasting'),
	c('research', 'What is the population of Lisbon?'),
	c('research', 'Summarize https://en.wikipedia.org/wiki/Photosynthesis'),
	c('research', 'Search the web for reviews of the Framework Laptop 16'),
	c('research', 'What are the main causes of the French Revolution? Please cite sources.'),
	c('research', 'Who is the current prime minister of Japan?'),
	c('research', 'How does CRISPR gene editing work?'),
	c('research', 'What does my uploaded contract say about the termination notice period?'),
	c('research', 'Compare the specs of the Raspberry Pi 5 and the Raspberry Pi 4'),
	c('research', 'Is it true that we only use 10% of our brains?'),
	c('research', 'What happened at the COP28 climate summit?'),
	c('research', 'Look up the boiling point of ethanol at sea level'),
	c('research', 'Where is the tallest mountain in Africa?'),
	c('research', 'what did the study in Nature about microplastics in the brain find'),
	c('research', 'Give me a history of the printing press with references'),
	c('research', 'Which countries use the euro?'),
	c('research', 'What are the side effects of ibuprofen?'),
	c('research', 'Find the paper "Attention Is All You Need" and tell me who the authors are'),
	c(
		'research',
		'Read this article and tell me the key points: https://example.org/blog/solar-2024'
	),
	c('research', 'What is the difference between a virus and a bacterium?'),
	c('research', 'Check my notes for what I wrote about the kitchen renovation budget'),
	c('research', 'How many moons does Saturn have according to the most recent count?'),
	c('research', 'What year did the Berlin Wall fall?'),

	// task
	c('task', 'Remind me to call the dentist tomorrow at 9am'),
	c('task', 'What time is it in Tokyo right now?'),
	c('task', "What's the weather like in Porto this weekend?"),
	c('task', 'Set a reminder for Friday: pay the electricity bill'),
	c('task', 'Save this shopping list to a file called groceries.txt: eggs, milk, bread'),
	c('task', 'How many days until Christmas?'),
	c('task', 'What is 17.5% of 2340?'),
	c('task', 'Will it rain in London tomorrow?'),
	c('task', 'List the files in my documents folder'),
	c('task', 'Show me my reminders for this week'),
	c('task', 'Cancel the reminder about the gym'),
	c('task', 'Convert 72 Fahrenheit to Celsius'),
	c('task', 'Schedule a reminder every Monday at 8 to water the plants'),
	c('task', 'Open notes.md and add a line saying "buy a new charger"'),
	c('task', 'What day of the week was 14 July 1990?'),
	c('task', 'Calculate 1234 * 5678'),
	c('task', 'Do I need an umbrella today in Berlin?'),
	c('task', 'Rename the file draft.txt to final.txt'),
	c('task', 'In 45 minutes remind me to take the pizza out'),
	c('task', "What's today's date?"),
	c('task', 'Create a file todo.md with three headings: Work, Home, Errands'),
	c('task', 'How much is 250 euros split between 3 people with a 12% tip?'),
	c('task', 'Wake me up... I mean remind me at 6:30 to leave for the airport'),
	c('task', 'What is the forecast for Madrid on Thursday?'),
	c('task', 'Delete the old backup file from my folder'),
	c('task', 'Read budget.txt and tell me the total'),
	c('task', 'Organize my downloads folder'),
	c('task', 'Create a new project structure for a Flask app'),

	// chat
	c('chat', 'Hi! How are you today?'),
	c('chat', 'I had a really rough day at work and just need to vent a bit.'),
	c('chat', 'What do you think is the best season of the year?'),
	c('chat', 'Tell me a joke about cats'),
	c('chat', 'Thanks, that was helpful!'),
	c('chat', 'Write a short poem about the sea at night'),
	c('chat', 'Can you help me come up with a name for my new puppy? She is a golden retriever.'),
	c('chat', 'Good morning :)'),
	c('chat', 'Do you like music?'),
	c('chat', "I'm nervous about my job interview tomorrow, any advice?"),
	c('chat', 'Would you rather be able to fly or be invisible?'),
	c('chat', 'My name is Ana and I love hiking.'),
	c('chat', 'Write a birthday message for my grandmother who is turning 90'),
	c('chat', "Let's play a word game"),
	c('chat', 'What should I cook tonight? I have rice, eggs and spinach.'),
	c('chat', 'lol that is funny'),
	c('chat', 'Can you rephrase this to sound more polite: send me the report now'),
	c('chat', 'Give me some ideas for a relaxing weekend'),
	c('chat', 'Tell me a bedtime story about a brave little fox'),
	c('chat', 'How can I be more motivated to exercise?'),
	c('chat', 'ok'),
	c('chat', 'What is your favourite book?'),
	c('chat', 'I think I should learn the guitar. Thoughts?'),
	c('chat', 'Help me write a friendly reply to my neighbour who invited me to dinner'),
	c('chat', 'Goodnight, talk tomorrow'),
	c('chat', 'Can you cheer me up?'),
	// Asked to keep or drop a memory: about the person, whatever the topic words say.
	c('chat', 'remember that I prefer Python'),
	c('chat', 'Please remember my sister lives in Lisbon and works on a SQL database'),
	c('chat', 'Forget that I use JavaScript at work')
];

export const ROUTER_HOLDOUT_CASES: readonly RouterCase[] = [
	c('code', 'My React component re-renders forever when I call setState inside useEffect'),
	c('code', 'Write me a function to dedupe an array of objects by their id field'),
	c('code', 'What is the difference between let and const?'),
	c('code', 'Can you check my Dockerfile? The build fails at npm install'),
	c('code', "KeyError: 'name' when reading a dict in python"),
	c('code', 'Make a small script that renames all .jpg files in a folder by date'),
	c('code', 'How do I sort a dictionary by value?'),
	c('code', 'Why is my for loop skipping every other element when I remove items?'),
	c('code', 'Show me how to read a file line by line in Node'),
	c('code', 'Use numpy to solve this linear system: 2x + y = 5, x - y = 1'),
	c('research', 'Who designed the Sydney Opera House?'),
	c('research', 'What are the symptoms of vitamin D deficiency?'),
	c('research', 'Tell me about the history of the Silk Road'),
	c('research', 'How far is the Moon from the Earth?'),
	c('research', 'Which is bigger, Canada or the United States?'),
	c('research', 'Any news on the Artemis II launch date?'),
	c('research', 'Why is the sky blue?'),
	c('research', 'What does the GDPR say about the right to be forgotten?'),
	c('research', 'Did Einstein really fail maths at school?'),
	c('research', 'What were the findings of the IPCC sixth assessment report?'),
	c('task', 'Remind me on Sunday evening to put the bins out'),
	c('task', 'Is it going to be cold in Oslo tomorrow morning?'),
	c('task', "What's 15% tip on a 48 dollar bill?"),
	c('task', 'What time is it in New York?'),
	c('task', 'Write "meeting moved to 3pm" into my notes.txt file'),
	c('task', 'How many weeks are there until the 1st of June?'),
	c('task', 'Set an alarm for 7'),
	c('task', 'Convert 5 miles to kilometres'),
	c('task', 'What reminders do I have tomorrow?'),
	c('task', 'Show what is in my projects folder'),
	c('chat', 'Hey there, what are you up to?'),
	c('chat', 'I just got engaged!!'),
	c('chat', 'Write a limerick about a lazy cat'),
	c('chat', 'What would you do with a free afternoon?'),
	c('chat', 'I feel like nobody listens to me lately'),
	c('chat', 'Can you suggest a fun theme for a kids party?'),
	c('chat', 'You are really good at this'),
	c('chat', 'Help me write a toast for my best friend’s wedding'),
	c('chat', 'Is it weird that I talk to my plants?'),
	c('chat', 'Recommend me a cosy board game for two')
];
